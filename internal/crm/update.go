package crm

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// UpdateRule says what an import that updates an existing customer does
// with one field's value from the file.
type UpdateRule string

const (
	// RuleOverwrite replaces the customer's value with the file's.
	RuleOverwrite UpdateRule = "overwrite"
	// RuleFillEmpty sets the file's value only where the customer has none.
	RuleFillEmpty UpdateRule = "fill-empty"
	// RuleKeep never changes the customer's value.
	RuleKeep UpdateRule = "keep"
)

// valid reports whether r is a rule; empty counts, as overwrite.
func (r UpdateRule) valid() bool {
	switch r {
	case "", RuleOverwrite, RuleFillEmpty, RuleKeep:
		return true
	}
	return false
}

// orOverwrite is r, or overwrite (what an update did before rules existed)
// when r is empty.
func (r UpdateRule) orOverwrite() UpdateRule {
	if r == "" {
		return RuleOverwrite
	}
	return r
}

// UpdateRules are an import's rules for the customers it updates: one for
// every field, overridden field by field. A blank cell never clears a value,
// except in the fields listed in BlankClears whose rule is overwrite: an
// admin who has been burnt by a re-import that erased data asks for it.
type UpdateRules struct {
	Default     UpdateRule            `json:"default,omitempty"`
	Fields      map[string]UpdateRule `json:"fields,omitempty"`
	BlankClears []string              `json:"blank_clears,omitempty"`
}

// For is the rule of the field key.
func (u UpdateRules) For(key string) UpdateRule {
	if r, ok := u.Fields[key]; ok {
		return r.orOverwrite()
	}
	return u.Default.orOverwrite()
}

// Check normalises the rules and refuses unknown rules and fields, rules
// for the account number (which finds the customer and never changes), and
// blank clears for a required field (which would leave the customer
// invalid).
func (u *UpdateRules) Check(sc *Schema) error {
	var v ValidationError
	const rules = "the rules are overwrite, fill-empty and keep."
	if !u.Default.valid() {
		v.Add("update_rules", string(u.Default), fmt.Sprintf("%q is not an update rule; %s", u.Default, rules))
	}
	u.Default = u.Default.orOverwrite()
	for _, key := range slices.Sorted(maps.Keys(u.Fields)) {
		r := u.Fields[key]
		switch f, ok := sc.Field(key); {
		case !ok:
			v.Add("update_rules", key, fmt.Sprintf("An update rule names %q, which is not a field; see the fields with `localcrm fields list`.", key))
		case key == KeyAccountNumber:
			v.Add("update_rules", key, "Account Number finds the customer to update and never changes; it takes no update rule.")
		case !r.valid():
			v.Add("update_rules", string(r), fmt.Sprintf("The rule for %s: %q is not an update rule; %s", f.Label, r, rules))
		default:
			u.Fields[key] = r.orOverwrite()
		}
	}
	for _, key := range u.BlankClears {
		switch f, ok := sc.Field(key); {
		case !ok:
			v.Add("blank_clears", key, fmt.Sprintf("\"Blank clears\" names %q, which is not a field; see the fields with `localcrm fields list`.", key))
		case f.Required || key == KeyAccountNumber:
			v.Add("blank_clears", key, fmt.Sprintf("%s must always have a value, so a blank cell cannot clear it.", f.Label))
		}
	}
	return v.Err()
}

// Change is one value an update changes.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Apply updates c with a record's values under the rules and returns what
// changed, in the order of mapped. mapped lists the fields the file
// fills: a mapped field missing from values had a blank cell.
func (u UpdateRules) Apply(c *Customer, values map[string]string, mapped []string) []Change {
	var changes []Change
	for _, key := range mapped {
		if key == KeyAccountNumber {
			continue
		}
		rule, old := u.For(key), c.Get(key)
		v, ok := values[key]
		switch {
		case rule == RuleKeep || v == old:
			continue
		case !ok || strings.TrimSpace(v) == "":
			if old == "" || rule != RuleOverwrite || !slices.Contains(u.BlankClears, key) {
				continue
			}
			v = ""
		case rule == RuleFillEmpty && old != "":
			continue
		}
		changes = append(changes, Change{Field: key, Before: old, After: v})
		if v == "" {
			delete(c.Values, key)
		} else {
			c.Set(key, v)
		}
	}
	return changes
}
