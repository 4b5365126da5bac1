// Package crm is the domain of localcrm: customers, their standard and custom
// fields, the rules a value must follow, import jobs, and the kinds of error
// the rest of the program maps to statuses and exit codes.
//
// It uses the standard library only and knows nothing of CSV, SQL or HTTP, so
// every rule lives here once and every interface applies it the same way.
package crm

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Other packages wrap them with %w; each boundary (CLI, HTTP)
// maps a kind to an exit code or a status with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
	ErrInvalid  = errors.New("invalid")
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable is a fault of the moment outside the request: the
	// database is locked by another process past every retry, or cannot
	// be reached. Trying again later may work; an import it stops is left
	// interrupted, to be resumed.
	ErrUnavailable = errors.New("temporarily unavailable")
)

// Problem is one thing wrong with one field's value, told so that a person
// can fix it. Value is the offending value as given (it may be long).
type Problem struct {
	Field   string `json:"field"`
	Value   string `json:"value"`
	Message string `json:"message"`
}

// ValidationError lists every problem found in a record or definition at
// once, so that a person can fix them all in one go. It is ErrInvalid.
type ValidationError struct {
	Problems []Problem
}

// Add records a problem with field.
func (e *ValidationError) Add(field, value, message string) {
	e.Problems = append(e.Problems, Problem{Field: field, Value: value, Message: message})
}

// Err returns e when it holds problems and nil otherwise, so that a
// validation can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, " ")
}

// Is makes errors.Is(err, ErrInvalid) true for a ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Fields maps each field with a problem to its message (the first one when
// a field has several), for showing errors next to form inputs.
func (e *ValidationError) Fields() map[string]string {
	m := make(map[string]string, len(e.Problems))
	for _, p := range e.Problems {
		if _, ok := m[p.Field]; !ok {
			m[p.Field] = p.Message
		}
	}
	return m
}

// Invalid returns a ValidationError with a single problem.
func Invalid(field, value, message string) error {
	v := &ValidationError{}
	v.Add(field, value, message)
	return v
}

// ConflictError reports a value that must be unique and already belongs to
// another customer. It is ErrConflict.
type ConflictError struct {
	Field   string // the unique field's key, such as "email"
	Value   string
	Account int64 // the customer that holds the value
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q already belongs to customer %d", fieldLabel(e.Field), e.Value, e.Account)
}

// Is makes errors.Is(err, ErrConflict) true for a ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Conflict returns an ErrConflict whose message, for people, is msg: a
// request that clashes with the state of things, such as reverting an
// import that is still running.
func Conflict(msg string) error { return &conflictMessage{msg} }

type conflictMessage struct{ msg string }

func (e *conflictMessage) Error() string        { return e.msg }
func (e *conflictMessage) Is(target error) bool { return target == ErrConflict }

// fieldLabel names a standard field for messages, falling back to its key.
func fieldLabel(key string) string {
	for _, f := range standardFields {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}
