package money

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lhuta/lhuta/domain"
)

// The format of fee schedules and offices files is line based, so that every
// problem names its line:
//
//	# a comment, from "#" at the start of a line, or after a space or tab
//	[section]            a section header; some sections take a name: [fee waste]
//	key = value          a setting of the current section; the value runs to
//	                     the end of the line, spaces around it trimmed
//
// Blank lines are ignored. Keys are lower case letters, digits, "_" and
// "."; a key appears once in its section. Values are UTF-8 text without
// control characters. What each section holds is said where it is read
// (schedule.go, offices.go).

// FormatError is a file that does not follow the format, naming the line.
type FormatError = domain.FormatError

// setting is one "key = value" line.
type setting struct {
	line       int
	key, value string
}

// section is a header with its settings.
type section struct {
	line     int
	kind     string // "fee" of [fee waste]
	name     string // "waste" of [fee waste]; "" for [schedule]
	settings []setting
	used     map[string]bool
}

// file is a parsed file; errors name its lines.
type file struct {
	name     string
	sections []*section
}

func (f *file) errorf(line int, format string, args ...any) error {
	return &FormatError{File: f.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func parseFile(name string, src []byte) (*file, error) {
	f := &file{name: name}
	if !utf8.Valid(src) {
		return nil, f.errorf(0, "is not UTF-8 text")
	}
	var cur *section
	for i, raw := range strings.Split(string(src), "\n") {
		n := i + 1
		text := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if r := strings.IndexFunc(text, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }); r >= 0 {
			return nil, f.errorf(n, "holds a control character")
		}
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			if c := strings.Index(text[i:], "#"); c >= 0 && strings.ContainsAny(text[i+c-1:i+c], " \t") {
				text = strings.TrimSpace(text[:i+c])
			}
		}
		if strings.HasPrefix(text, "[") {
			if !strings.HasSuffix(text, "]") {
				return nil, f.errorf(n, "a section header %q does not end with ]", text)
			}
			words := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(text, "["), "]"))
			if len(words) == 0 || len(words) > 2 {
				return nil, f.errorf(n, "a section header is [kind] or [kind name], not %q", text)
			}
			cur = &section{line: n, kind: words[0], used: map[string]bool{}}
			if len(words) == 2 {
				cur.name = words[1]
			}
			for _, s := range f.sections {
				if s.kind == cur.kind && s.name == cur.name {
					return nil, f.errorf(n, "section %s appears twice (first on line %d)", text, s.line)
				}
			}
			f.sections = append(f.sections, cur)
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, f.errorf(n, "%q is neither a [section] nor a key = value line", text)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if cur == nil {
			return nil, f.errorf(n, "%q comes before any [section]", key)
		}
		if !validKey(key) {
			return nil, f.errorf(n, "%q is not a key (lower case letters, digits, _ and .)", key)
		}
		for _, s := range cur.settings {
			if s.key == key {
				return nil, f.errorf(n, "%s is set twice in this section (first on line %d)", key, s.line)
			}
		}
		cur.settings = append(cur.settings, setting{n, key, value})
	}
	return f, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// get returns a setting and marks it read.
func (s *section) get(key string) (setting, bool) {
	for _, st := range s.settings {
		if st.key == key {
			s.used[key] = true
			return st, true
		}
	}
	return setting{}, false
}

// withPrefix returns the settings whose key starts with prefix, marked read.
func (s *section) withPrefix(prefix string) []setting {
	var out []setting
	for _, st := range s.settings {
		if strings.HasPrefix(st.key, prefix) {
			s.used[st.key] = true
			out = append(out, st)
		}
	}
	return out
}

// unknown refuses the first setting nobody read: a typo must not pass silently.
func (f *file) unknown(s *section) error {
	for _, st := range s.settings {
		if !s.used[st.key] {
			return f.errorf(st.line, "%s is not a setting of [%s]", st.key, strings.TrimSpace(s.kind+" "+s.name))
		}
	}
	return nil
}
