package crm_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// problems asserts that err is a *crm.ValidationError that is ErrInvalid and
// returns its problems.
func problems(t *testing.T, err error) []crm.Problem {
	t.Helper()
	if err == nil {
		t.Fatal("err = nil, want a *crm.ValidationError")
	}
	if !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("errors.Is(%v, ErrInvalid) = false, want true", err)
	}
	var v *crm.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %T (%v), want a *crm.ValidationError", err, err)
	}
	if len(v.Problems) == 0 {
		t.Fatal("ValidationError with no problems returned as an error")
	}
	return v.Problems
}

// oneProblem asserts that err holds exactly one problem and returns it.
func oneProblem(t *testing.T, err error) crm.Problem {
	t.Helper()
	ps := problems(t, err)
	if len(ps) != 1 {
		t.Fatalf("got %d problems, want 1: %+v", len(ps), ps)
	}
	return ps[0]
}

func TestValidationErrorEmpty(t *testing.T) {
	var v crm.ValidationError
	if err := v.Err(); err != nil {
		t.Errorf("empty ValidationError.Err() = %v, want nil", err)
	}
	var nilV *crm.ValidationError
	if err := nilV.Err(); err != nil {
		t.Errorf("nil ValidationError.Err() = %v, want nil", err)
	}
}

func TestValidationErrorReportsEveryProblem(t *testing.T) {
	var v crm.ValidationError
	v.Add("email", "Ann <ann@x.com>", "Email is not a bare email address.")
	v.Add("birthday", "02/30/2024", "Birthday is not a real calendar date; check the month and the day.")
	v.Add("email", "x", "second email problem")
	err := v.Err()

	want := []crm.Problem{
		{Field: "email", Value: "Ann <ann@x.com>", Message: "Email is not a bare email address."},
		{Field: "birthday", Value: "02/30/2024", Message: "Birthday is not a real calendar date; check the month and the day."},
		{Field: "email", Value: "x", Message: "second email problem"},
	}
	if got := problems(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %+v, want %+v", got, want)
	}
	if got, want := err.Error(), "Email is not a bare email address. Birthday is not a real calendar date; check the month and the day. second email problem"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wantFields := map[string]string{
		"email":    "Email is not a bare email address.",
		"birthday": "Birthday is not a real calendar date; check the month and the day.",
	}
	if got := v.Fields(); !reflect.DeepEqual(got, wantFields) {
		t.Errorf("Fields() = %v, want %v (first message per field)", got, wantFields)
	}
}

func TestValidationErrorKinds(t *testing.T) {
	err := crm.Invalid("batch_size", "0", "The batch size must be from 1 to 10000.")
	wrapped := fmt.Errorf("start import: %w", err)
	for _, e := range []error{err, wrapped} {
		if !errors.Is(e, crm.ErrInvalid) {
			t.Errorf("errors.Is(%q, ErrInvalid) = false", e)
		}
		for _, other := range []error{crm.ErrConflict, crm.ErrNotFound, crm.ErrTooLarge} {
			if errors.Is(e, other) {
				t.Errorf("errors.Is(%q, %v) = true, want false", e, other)
			}
		}
	}
	p := oneProblem(t, wrapped)
	want := crm.Problem{Field: "batch_size", Value: "0", Message: "The batch size must be from 1 to 10000."}
	if p != want {
		t.Errorf("problem = %+v, want %+v", p, want)
	}
}

func TestConflictError(t *testing.T) {
	tests := []struct {
		err  *crm.ConflictError
		want string
	}{
		{&crm.ConflictError{Field: "email", Value: "ann@x.com", Account: 10000042},
			`Email "ann@x.com" already belongs to customer 10000042`},
		{&crm.ConflictError{Field: "account_number", Value: "10000007", Account: 10000007},
			`Account Number "10000007" already belongs to customer 10000007`},
		// A key that is not a standard field is named by its key.
		{&crm.ConflictError{Field: "loyalty_id", Value: "L-1", Account: 10000001},
			`loyalty_id "L-1" already belongs to customer 10000001`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !strings.Contains(tt.err.Error(), fmt.Sprint(tt.err.Account)) {
			t.Errorf("Error() = %q does not name account %d", tt.err.Error(), tt.err.Account)
		}
		wrapped := fmt.Errorf("line 7: %w", tt.err)
		if !errors.Is(wrapped, crm.ErrConflict) {
			t.Errorf("errors.Is(%q, ErrConflict) = false", wrapped)
		}
		if errors.Is(wrapped, crm.ErrInvalid) {
			t.Errorf("errors.Is(%q, ErrInvalid) = true, want false", wrapped)
		}
		var ce *crm.ConflictError
		if !errors.As(wrapped, &ce) || ce.Account != tt.err.Account {
			t.Errorf("errors.As(%q) did not find the ConflictError", wrapped)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"Zoë", "Zoë"},
		{strings.Repeat("ë", 80), strings.Repeat("ë", 80)},
		{strings.Repeat("ë", 81), strings.Repeat("ë", 79) + "…"},
		{strings.Repeat("a", 500), strings.Repeat("a", 79) + "…"},
	}
	for _, tt := range tests {
		if got := crm.Shorten(tt.in); got != tt.want {
			t.Errorf("Shorten(%d runes) = %q, want %q", len([]rune(tt.in)), got, tt.want)
		}
	}
}
