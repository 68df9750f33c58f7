package money

import (
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lhuta/lhuta/domain/payment"
)

// DefaultFineDueDays is how many days after the decision a fine is due
// where the office sets nothing. docs/LAW.md §9: the seeds state no due date
// for a fine; this is office policy, never law.
const DefaultFineDueDays = 30

// Transfer is how an office accepts administrative fees by bank transfer
// (seed 004: the Ministry's account, VS 1111 + the birth number's suffix,
// specific symbol 433, message the applicant's name).
type Transfer struct {
	Account        payment.Account
	VSPrefix       string
	SpecificSymbol string
}

// Office is an office's payment terms.
type Office struct {
	Code, Name string
	// Account receives fines; nil where the office names none.
	Account *payment.Account
	// FineDueDays is office policy (DefaultFineDueDays unless set).
	FineDueDays int
	// Schedules are the municipality's fee schedules; empty where the office
	// keeps no local fees.
	Schedules Book
	// Transfer is nil where administrative fees are paid at the counter only.
	Transfer *Transfer
}

// Offices are the offices lhuta knows the payment terms of, by code.
type Offices struct{ byCode map[string]*Office }

// Office returns an office's terms.
func (o *Offices) Office(code string) (*Office, bool) {
	if o == nil {
		return nil, false
	}
	of, ok := o.byCode[code]
	return of, ok
}

// Codes lists the offices' codes in order.
func (o *Offices) Codes() []string {
	codes := make([]string, 0, len(o.byCode))
	for c := range o.byCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

//go:embed builtin
var builtin embed.FS

// BuiltinSchedule returns a built-in fee schedule by name ("nova-ves").
func BuiltinSchedule(name string) (*Schedule, error) {
	src, err := builtin.ReadFile("builtin/" + name + ".txt")
	if err != nil {
		return nil, fmt.Errorf("no built-in fee schedule %q (built in: nova-ves)", name)
	}
	return ParseSchedule(name+".txt", src)
}

// Builtin returns the offices lhuta knows without configuration: nova-ves,
// with Nová Ves's fee schedule of seed 004. They are read once; the caller
// must not change them.
func Builtin() *Offices { return builtinOffices() }

var builtinOffices = sync.OnceValue(func() *Offices {
	src, err := builtin.ReadFile("builtin/offices.txt")
	if err == nil {
		var o *Offices
		if o, err = ParseOffices("offices.txt", src, nil); err == nil {
			return o
		}
	}
	panic("the built-in offices file is invalid: " + err.Error()) // a test holds it valid
})

// ParseOffices reads an offices file:
//
//	[office nova-ves]                       one section per office code
//	name = Obecní úřad Nová Ves
//	account = 0460043319/0800               optional: the account fines are paid to
//	fine_due_days = 30                      optional (office policy, default 30)
//	schedules = builtin:nova-ves            optional: fee schedules, separated by
//	                                        spaces: built-in ones or file names
//	transfer.account = 3711-8920071/0710    optional: administrative fees by transfer
//	transfer.variable_symbol_prefix = 1111
//	transfer.specific_symbol = 433
//
// load reads a schedule file named in it (relative to the offices file, as
// the caller decides); nil allows built-in schedules only.
func ParseOffices(name string, src []byte, load func(file string) ([]byte, error)) (*Offices, error) {
	f, err := parseFile(name, src)
	if err != nil {
		return nil, err
	}
	out := &Offices{byCode: map[string]*Office{}}
	for _, sec := range f.sections {
		if sec.kind != "office" || sec.name == "" {
			return nil, f.errorf(sec.line, "an offices file holds [office CODE] sections only")
		}
		o := &Office{Code: sec.name, FineDueDays: DefaultFineDueDays}
		st, err := f.required(sec, "name")
		if err != nil {
			return nil, err
		}
		o.Name = st.value
		if st, ok := sec.get("account"); ok {
			a, err := payment.ParseAccount(st.value)
			if err != nil {
				return nil, f.errorf(st.line, "account: %v", err)
			}
			o.Account = &a
		}
		if st, ok := sec.get("fine_due_days"); ok {
			n, err := strconv.Atoi(st.value)
			if err != nil || n < 1 || n > 366 {
				return nil, f.errorf(st.line, "fine_due_days %q is not a number of days from 1 to 366", st.value)
			}
			o.FineDueDays = n
		}
		if st, ok := sec.get("schedules"); ok {
			for _, ref := range strings.Fields(st.value) {
				s, err := schedule(ref, load)
				if err != nil {
					return nil, f.errorf(st.line, "schedule %s: %v", ref, err)
				}
				for _, other := range o.Schedules {
					if other.ValidFrom == s.ValidFrom {
						return nil, f.errorf(st.line, "schedules %s and %s are both valid from %s", other.Name, s.Name, s.ValidFrom)
					}
				}
				o.Schedules = append(o.Schedules, s)
			}
		}
		t, err := f.transfer(sec)
		if err != nil {
			return nil, err
		}
		o.Transfer = t
		if err := f.unknown(sec); err != nil {
			return nil, err
		}
		out.byCode[o.Code] = o
	}
	if len(out.byCode) == 0 {
		return nil, f.errorf(0, "names no office ([office CODE] sections)")
	}
	return out, nil
}

func schedule(ref string, load func(string) ([]byte, error)) (*Schedule, error) {
	if name, ok := strings.CutPrefix(ref, "builtin:"); ok {
		return BuiltinSchedule(name)
	}
	if load == nil {
		return nil, fmt.Errorf("only built-in schedules (builtin:NAME) can be named here")
	}
	src, err := load(ref)
	if err != nil {
		return nil, err
	}
	return ParseSchedule(ref, src)
}

func (f *file) transfer(sec *section) (*Transfer, error) {
	sts := sec.withPrefix("transfer.")
	if len(sts) == 0 {
		return nil, nil
	}
	t := &Transfer{}
	seen := map[string]setting{}
	for _, st := range sts {
		seen[st.key] = st
	}
	for _, k := range []string{"transfer.account", "transfer.variable_symbol_prefix"} {
		if _, ok := seen[k]; !ok {
			return nil, f.errorf(sec.line, "[office %s] accepts transfers but sets no %s", sec.name, k)
		}
	}
	for _, st := range sts {
		switch st.key {
		case "transfer.account":
			a, err := payment.ParseAccount(st.value)
			if err != nil {
				return nil, f.errorf(st.line, "transfer.account: %v", err)
			}
			t.Account = a
		case "transfer.variable_symbol_prefix":
			if !payment.IsDigits(st.value, 1, 6) {
				return nil, f.errorf(st.line, "transfer.variable_symbol_prefix %q is not 1 to 6 digits", st.value)
			}
			t.VSPrefix = st.value
		case "transfer.specific_symbol":
			if !payment.IsDigits(st.value, 1, 10) {
				return nil, f.errorf(st.line, "transfer.specific_symbol %q is not 1 to 10 digits", st.value)
			}
			t.SpecificSymbol = st.value
		default:
			return nil, f.errorf(st.line, "%s is not a setting of [office %s]", st.key, sec.name)
		}
	}
	return t, nil
}
