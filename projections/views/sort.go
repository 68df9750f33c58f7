package views

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Sort is the order a list is asked for (?sort=): by due date (the
// default of the lists with one), latest due first, by the citizen's name
// (accents and case ignored, NameKey) or by office, each then by due date.
type Sort string

const (
	SortDefault Sort = ""
	SortDue     Sort = "due_on"
	SortDueDesc Sort = "-due_on"
	SortName    Sort = "name"
	SortOffice  Sort = "office"
)

// Sorts are the orders a list of dated items (obligations, office
// deadlines, the worklist) takes; lists without a due date (flags, cases)
// take SortName and SortOffice.
var Sorts = []Sort{SortDue, SortDueDesc, SortName, SortOffice}

// ordering is a list's order in SQL: its key columns, the list's own first
// (name_key or office), then the list's date, the case and the item within
// the case, which make the key unique; and whether it runs backwards. A
// page's cursor is the key of its last item, tagged with the sort, so that
// a cursor of one order is refused by another.
type ordering struct {
	sort Sort
	cols []string
	// dates says which key columns hold a date (checked in a cursor).
	dates []bool
	// item is the type of the last key column: "int" or "text".
	item string
	desc bool
}

// orderingOf is the ordering of sort for a table whose items are dated by
// dateCol and told apart within a case by itemCol ("" for one item per case).
func orderingOf(sort Sort, dateCol, itemCol, itemType string) ordering {
	o := ordering{sort: sort, cols: []string{dateCol, "case_id"}, dates: []bool{true, false}, item: itemType}
	if itemCol != "" {
		o.cols, o.dates = append(o.cols, itemCol), append(o.dates, false)
	}
	switch sort {
	case SortDueDesc:
		o.desc = true
	case SortName:
		o.cols, o.dates = append([]string{"name_key"}, o.cols...), append([]bool{false}, o.dates...)
	case SortOffice:
		o.cols, o.dates = append([]string{"office"}, o.cols...), append([]bool{false}, o.dates...)
	}
	return o
}

// sql is the ORDER BY clause.
func (o ordering) sql() string {
	cols := make([]string, len(o.cols))
	for i, c := range o.cols {
		cols[i] = c
		if o.desc {
			cols[i] += " DESC"
		}
	}
	return " ORDER BY " + strings.Join(cols, ", ")
}

// cursor encodes the key of a page's last item.
func (o ordering) cursor(key ...string) string {
	parts := make([]string, len(key)+1)
	parts[0] = "s" + string(o.sort)
	for i, k := range key {
		parts[i+1] = url.PathEscape(k)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
}

// after keeps the rows after a cursor's key in the ordering, or is
// ErrBadCursor for a cursor this ordering did not hand out; no cursor ("")
// keeps every row, for the first page.
func (o ordering) after(w *where, cursor string) error {
	if cursor == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != len(o.cols)+1 || parts[0] != "s"+string(o.sort) {
		return ErrBadCursor
	}
	key := make([]any, len(o.cols))
	for i, p := range parts[1:] {
		v, err := url.PathUnescape(p)
		if err != nil {
			return ErrBadCursor
		}
		key[i] = v
		if o.dates[i] {
			if _, err := calendar.ParseDate(v); err != nil {
				return ErrBadCursor
			}
		}
	}
	if o.item == "int" {
		n, err := strconv.Atoi(key[len(key)-1].(string))
		if err != nil {
			return ErrBadCursor
		}
		key[len(key)-1] = n
	}
	cmp := ">"
	if o.desc {
		cmp = "<"
	}
	// (c1 > k1 OR (c1 = k1 AND (c2 > k2 OR (…)))), the innermost first.
	first := len(w.args) + 1
	w.args = append(w.args, key...)
	cond := ""
	for i := len(o.cols) - 1; i >= 0; i-- {
		c := fmt.Sprintf("%s %s $%d", o.cols[i], cmp, first+i)
		if cond != "" {
			c = fmt.Sprintf("(%s OR (%s = $%d AND %s))", c, o.cols[i], first+i, cond)
		}
		cond = c
	}
	w.cond(cond)
	return nil
}

// sortKey is the key of an item in sort: its own column (the folded name
// or the office) where the sort has one, then rest (date, case, item).
func sortKey(sort Sort, fullName, office string, rest ...string) []string {
	switch sort {
	case SortName:
		return append([]string{NameKey(fullName)}, rest...)
	case SortOffice:
		return append([]string{office}, rest...)
	}
	return rest
}
