package cases

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is the one error for a case that does not exist, whichever
// layer (the event store, the read models) finds it missing.
var ErrNotFound = errors.New("case not found")

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidError is input that does not have the shape of the contract: a
// missing field, a value of the wrong type, a date that does not exist, an
// unknown situation or event type. Nothing is recorded.
type InvalidError struct{ Errors []FieldError }

func (e *InvalidError) Error() string { return "invalid input: " + joinFields(e.Errors) }

// RuleError is well-formed input that the rules do not allow: a fact dated in
// the future, an event the case's state does not allow. Nothing is recorded.
type RuleError struct{ Errors []FieldError }

func (e *RuleError) Error() string { return "not allowed: " + joinFields(e.Errors) }

// ForbiddenError is a fact the actor's role may not record.
type ForbiddenError struct{ Reason string }

func (e *ForbiddenError) Error() string { return e.Reason }

func joinFields(errs []FieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Field + ": " + e.Message
	}
	return strings.Join(parts, "; ")
}

// check collects field errors of one request, split into shape and rule errors.
type check struct {
	prefix  string
	invalid []FieldError
	rules   []FieldError
}

func (c *check) bad(field, format string, args ...any) {
	c.invalid = append(c.invalid, FieldError{c.name(field), fmt.Sprintf(format, args...)})
}

func (c *check) refuse(field, format string, args ...any) {
	c.rules = append(c.rules, FieldError{c.name(field), fmt.Sprintf(format, args...)})
}

// name is a field's full name; "" is the object itself.
func (c *check) name(field string) string {
	if field == "" {
		if p := strings.TrimSuffix(c.prefix, "."); p != "" {
			return p
		}
		return "body"
	}
	return c.prefix + field
}

// err returns shape errors first: a rule cannot be judged on malformed input.
func (c *check) err() error {
	if len(c.invalid) > 0 {
		return &InvalidError{c.invalid}
	}
	if len(c.rules) > 0 {
		return &RuleError{c.rules}
	}
	return nil
}
