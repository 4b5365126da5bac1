package importer

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"localcrm/internal/crm"
)

// decider settles what becomes of each record of an import against the
// customers that exist: created, updated, skipped or rejected. It is pure:
// its answer depends only on the records, the customers found for them and
// the import's options, so the same rules hold on every database, in the
// dry run and in the real one.
type decider struct {
	sc       *crm.Schema
	policy   crm.DuplicatePolicy
	partial  bool // an update import: a record need not carry every required field
	update   crm.UpdateRules
	mapped   []string // the fields the file fills, in file order
	importID int64    // the import that runs, whose rows of earlier batches are claims; 0 in a dry run
	// seen maps the email keys, "#account numbers" and "@customers" that
	// rows have claimed to their lines. A real run keeps only one batch's
	// claims (nil here); a dry run writes nothing, so it keeps the file's.
	seen map[string]int
}

// decide decides batch's records, given byEmail and byAccount, the
// customers found for them (lookup). It returns the records that create
// customers, those that update one, and the updated customers as they were.
func (d *decider) decide(batch []*record, byEmail map[string]*crm.Existing, byAccount map[int64]*crm.Existing) (creates, updates []*record, befores []*crm.Customer) {
	// A row claims its email and account number when it creates or updates
	// a customer; a later row with either is an in-file duplicate. A real
	// run finds claims of earlier batches in the database (the customer's
	// ImportID, below), so it keeps only this batch's claims in memory and
	// its memory does not grow with the file, even across a resume. A dry
	// run writes nothing, so it remembers the claims of the whole file.
	seen := d.seen
	if seen == nil {
		seen = map[string]int{}
	}
	claim := func(r *record) {
		if r.account != 0 {
			seen["#"+strconv.FormatInt(r.account, 10)] = r.line
		}
		if r.emailKey != "" {
			key := r.emailKey
			if d.seen != nil {
				// Kept for the whole file, a key must not be a window onto
				// its row's text, which it would keep alive with it: a
				// million rows' text was 140 MB of a dry run's 200.
				key = strings.Clone(key)
			}
			seen[key] = r.line
		}
		if r.outcome == "updated" {
			// Rows with different keys may find the same customer (one by
			// account number, one by email): the customer is claimed too.
			seen["@"+strconv.FormatInt(r.customer.AccountNumber, 10)] = r.line
		}
	}
	for _, r := range batch {
		if r.outcome != "" {
			continue
		}
		email := r.customer.Get(crm.KeyEmail)
		var ex *crm.Existing
		if r.account != 0 {
			key := "#" + strconv.FormatInt(r.account, 10)
			if line, ok := seen[key]; ok {
				r.reject(crm.KeyAccountNumber, strconv.FormatInt(r.account, 10), fmt.Sprintf("Account Number %d is also on line %d of this file; each customer may appear only once. Merge the two rows.", r.account, line))
				continue
			}
			if ex = byAccount[r.account]; ex == nil {
				r.reject(crm.KeyAccountNumber, strconv.FormatInt(r.account, 10), fmt.Sprintf("Account Number %d does not belong to any customer. Account numbers are given by localcrm; leave the cell blank to create a new customer.", r.account))
				continue
			}
		}
		if r.emailKey != "" {
			if line, ok := seen[r.emailKey]; ok {
				r.reject(crm.KeyEmail, email, fmt.Sprintf("Email %s is also on line %d of this file; each email may appear only once. Remove or merge one of the two rows.", email, line))
				continue
			}
			if other := byEmail[r.emailKey]; other != nil && (ex == nil || other.Customer.AccountNumber != ex.Customer.AccountNumber) {
				if ex != nil {
					r.reject(crm.KeyEmail, email, fmt.Sprintf("Email %s already belongs to customer %d, not to customer %d; an email may belong to one customer only.", email, other.Customer.AccountNumber, ex.Customer.AccountNumber))
					continue
				}
				ex = other
			}
		}
		if ex == nil {
			d.sc.ApplyDefaults(r.customer)
			if d.partial { // only now is it known that the record creates a customer
				if err := d.sc.Validate(r.customer, crm.ValidateOptions{DateFormat: crm.DateISO}); err != nil {
					var v *crm.ValidationError
					errors.As(err, &v)
					for _, pr := range v.Problems {
						r.reject(pr.Field, pr.Value, pr.Message+" (No customer has this record's email or account number, so it would be created.)")
					}
					continue
				}
			}
			r.outcome = "created"
			claim(r)
			creates = append(creates, r)
			continue
		}
		acct := ex.Customer.AccountNumber
		if line, ok := seen["@"+strconv.FormatInt(acct, 10)]; ok {
			r.reject(matchField(r), matchValue(r, email), fmt.Sprintf("This row is for customer %d, which line %d of this file already updates; each customer may appear only once. Merge the two rows.", acct, line))
			continue
		}
		if d.importID != 0 && ex.ImportID == d.importID { // claimed by a row of an earlier batch
			if r.account != 0 {
				r.reject(crm.KeyAccountNumber, strconv.FormatInt(r.account, 10), fmt.Sprintf("Account Number %d is also on line %d of this file; each customer may appear only once. Merge the two rows.", r.account, ex.ImportLine))
			} else {
				r.reject(crm.KeyEmail, email, fmt.Sprintf("Email %s is also on line %d of this file; each email may appear only once. Remove or merge one of the two rows.", email, ex.ImportLine))
			}
			continue
		}
		switch d.policy {
		case crm.DuplicateSkip:
			r.outcome, r.customer.AccountNumber = "skipped", acct
		case crm.DuplicateUpdate:
			after := &crm.Customer{AccountNumber: acct, Values: maps.Clone(ex.Customer.Values)}
			changes := d.update.Apply(after, r.customer.Values, d.mapped)
			// The numbers the record brings keep the forms it read them
			// with; those it leaves keep theirs.
			after.KeepPhones(r.customer, ex.Customer)
			r.asWritten = phonesAsWritten(after, changes)
			if err := d.sc.Validate(after, crm.ValidateOptions{DateFormat: crm.DateISO}); err != nil {
				r.reject(matchField(r), matchValue(r, email), fmt.Sprintf("Updating customer %d would leave it invalid: %s", acct, err))
				continue
			}
			r.outcome, r.customer, r.changes = "updated", after, changes
			claim(r)
			updates = append(updates, r)
			befores = append(befores, ex.Customer)
		default:
			if r.account != 0 {
				r.reject(crm.KeyAccountNumber, strconv.FormatInt(r.account, 10), fmt.Sprintf("Account Number %d is an existing customer. To update existing customers, import with the duplicate policy \"update\"; to leave them as they are, \"skip\".", acct))
			} else {
				r.reject(crm.KeyEmail, email, fmt.Sprintf("Email %s already belongs to customer %d. To update existing customers, import with the duplicate policy \"update\"; to leave them as they are, \"skip\".", email, acct))
			}
		}
	}
	return creates, updates, befores
}
