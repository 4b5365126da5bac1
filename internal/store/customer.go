package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"localcrm/internal/crm"

	"golang.org/x/text/unicode/norm"
)

// valueColumns are the customers table's columns for standard fields, named
// by their keys, in the order of crm.StandardFields (account number aside).
var valueColumns = []string{
	"first_name", "last_name", "email", "company", "voice", "alternative", "fax", "comments", "customer_type",
	"addr1_street1", "addr1_street2", "addr1_city", "addr1_state", "addr1_zip", "addr1_country",
	"addr2_street1", "addr2_street2", "addr2_city", "addr2_state", "addr2_zip", "addr2_country",
}

// phoneColumns hold the international forms (E.164) of the phone fields'
// values, by the fields' keys: NULL for no value, or for a value that is
// not a phone number of its country.
var phoneColumns = map[string]string{"voice": "voice_e164", "alternative": "alternative_e164", "fax": "fax_e164"}

// phoneKeys are the keys of phoneColumns, in the order of valueColumns.
var phoneKeys = []string{"voice", "alternative", "fax"}

// phoneColumnList is phoneColumns' columns in the order of phoneKeys.
var phoneColumnList = []string{"voice_e164", "alternative_e164", "fax_e164"}

// selectCustomerColumns must match scanCustomer.
var selectCustomerColumns = "account_number, " + strings.Join(valueColumns, ", ") + ", " + strings.Join(phoneColumnList, ", ") + ", custom, created_at, updated_at"

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface{ Scan(dest ...any) error }

// resultRows are the rows of a query's answer, as database/sql and pgx
// both give them.
type resultRows interface {
	rowScanner
	Next() bool
	Err() error
}

func scanCustomer(r rowScanner) (*crm.Customer, error) {
	var (
		c                crm.Customer
		vals             = make([]sql.NullString, len(valueColumns)+len(phoneKeys))
		custom, cre, upd string
	)
	dest := make([]any, 0, len(vals)+4)
	dest = append(dest, &c.AccountNumber)
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	dest = append(dest, &custom, &cre, &upd)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	c.Values = make(map[string]string, len(valueColumns))
	for i, v := range vals[:len(valueColumns)] {
		if v.String != "" {
			c.Values[valueColumns[i]] = v.String
		}
	}
	for i, key := range phoneKeys {
		if v := c.Values[key]; v != "" {
			c.SetPhone(key, v, vals[len(valueColumns)+i].String)
		}
	}
	if custom != "{}" {
		var m map[string]string
		if err := json.Unmarshal([]byte(custom), &m); err != nil {
			return nil, fmt.Errorf("customer %d: custom values: %w", c.AccountNumber, err)
		}
		for k, v := range m {
			c.Values[k] = v
		}
	}
	c.CreatedAt, c.UpdatedAt = parseTime(cre), parseTime(upd)
	return &c, nil
}

// appendValues appends c's standard values in valueColumns order, NULL for
// no value.
func appendValues(args []any, c *crm.Customer) []any {
	for _, col := range valueColumns {
		args = append(args, nullable(c.Values[col]))
	}
	return args
}

// appendDerived appends what the store derives from c's values, in the
// order of derivedColumns: the international forms of its phone values
// (read with the schema's default country where c does not carry them)
// and its words for the search index. Every writer of a customer writes
// them with its values, so that they never fall behind.
func appendDerived(args []any, c *crm.Customer, sc *crm.Schema) []any {
	for _, key := range phoneKeys {
		args = append(args, nullable(e164Of(c, key, sc.Country)))
	}
	return append(args, searchWords(c, sc))
}

// derivedColumns are the columns appendDerived gives values.
var derivedColumns = append(slices.Clone(phoneColumnList), "search_words")

// emailHash is the email index's key for an email key: its 32-bit FNV-1a
// hash, as a signed number so that SQLite stores it in 4 bytes. It is kept
// in the database, so it must never change.
func emailHash(key string) int64 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int64(int32(h.Sum32()))
}

// EmailKey is the form of an email address that uniqueness compares: in
// Unicode's composed form (NFC) and lower case, so that addresses differing
// only in case, or in how an accent is encoded ("é" as one code point or as
// "e" and a combining accent), belong to one person.
func EmailKey(email string) string { return strings.ToLower(norm.NFC.String(email)) }

// emailArgs are the email_key and email_hash arguments of c.
func emailArgs(c *crm.Customer) (key, hash any) {
	if e := c.Values[crm.KeyEmail]; e != "" {
		k := EmailKey(e)
		return k, emailHash(k)
	}
	return nil, nil
}

// refillEmailKeys recomputes email_key and email_hash for the customers
// whose email is not plain ASCII, whose key EmailKey now composes.
func refillEmailKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT account_number, email FROM customers WHERE email IS NOT NULL AND email GLOB '*[^ -~]*'`)
	if err != nil {
		return err
	}
	keys := map[int64]string{}
	for rows.Next() {
		var account int64
		var email string
		if err := rows.Scan(&account, &email); err != nil {
			rows.Close()
			return err
		}
		keys[account] = EmailKey(email)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for account, key := range keys {
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET email_key = ?, email_hash = ? WHERE account_number = ?`, key, emailHash(key), account); err != nil {
			return err
		}
	}
	return nil
}

// fillEmailHash gives email_hash to the customers that existed before it did.
func fillEmailHash(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT account_number, email_key FROM customers WHERE email_key IS NOT NULL`)
	if err != nil {
		return err
	}
	hashes := map[int64]int64{}
	for rows.Next() {
		var account int64
		var key string
		if err := rows.Scan(&account, &key); err != nil {
			rows.Close()
			return err
		}
		hashes[account] = emailHash(key)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for account, hash := range hashes {
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET email_hash = ? WHERE account_number = ?`, hash, account); err != nil {
			return err
		}
	}
	return nil
}

// customJSON encodes the custom fields' values; json.Marshal sorts the keys,
// so equal values give equal text.
func customJSON(c *crm.Customer, sc *crm.Schema) string {
	var m map[string]string
	for _, f := range sc.Custom() {
		if v := c.Values[f.Key]; v != "" {
			if m == nil {
				m = make(map[string]string)
			}
			m[f.Key] = v
		}
	}
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// CreateCustomer validates c, gives it the defaults of the fields it leaves
// blank and an account number, and saves it. An email held by another
// customer is a *crm.ConflictError.
func (s *Store) CreateCustomer(ctx context.Context, c *crm.Customer) error {
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return fmt.Errorf("create customer: %w", err)
	}
	defer end()
	sc, err := schema(ctx, tx)
	if err != nil {
		return err
	}
	sc.ApplyDefaults(c)
	if err := sc.Validate(c, crm.ValidateOptions{}); err != nil {
		return err
	}
	if err := checkEmailFree(ctx, tx, c); err != nil {
		return err
	}
	now := s.now()
	accounts, err := s.insertCustomers(ctx, tx, sc, []*crm.Customer{c}, nil, nil, 0, nil, formatTime(now))
	if err != nil {
		return s.emailTaken(ctx, c, err)
	}
	if err := s.catchUp(ctx, tx, accounts[0], false); err != nil {
		return err
	}
	c.AccountNumber = accounts[0]
	c.CreatedAt, c.UpdatedAt = now.Truncate(1e6), now.Truncate(1e6)
	if err := s.audit(ctx, tx, crm.AuditCustomerAdded, fmt.Sprintf("customer %d", c.AccountNumber), ""); err != nil {
		return err
	}
	return tx.Commit()
}

// insertRowsPerStatement is how many customers one INSERT carries on
// SQLite: one statement per hundred rows instead of one per row is most of
// the import's speed, and measured as fast as 500 rows while its prepared
// program takes less memory. It keeps well under SQLite's 32766 bound
// parameters. On PostgreSQL each statement is a round trip to the server
// and takes its rows as one array per column (postgresInsert): a thousand
// rows at a time took a third less time than a hundred for an import at
// batches of 10,000, and a chunk's arrays stay small.
const (
	insertRowsPerStatement         = 100
	insertRowsPerStatementPostgres = 1000
)

// RowsPerStatement is how many customers the store writes with one
// statement: the most records an import hands it at once is best a
// multiple of it.
func (s *Store) RowsPerStatement() int {
	if s.pg {
		return insertRowsPerStatementPostgres
	}
	return insertRowsPerStatement
}

// insertCustomers inserts cs with multi-row INSERT statements and returns
// their new account numbers in order. words, when not nil, are their
// search words made ahead (SearchWords); cols are the standard columns to
// write, as indexes into valueColumns; the others stay NULL. lines, when
// not nil, gives each customer's line in the import's file.
func (s *Store) insertCustomers(ctx context.Context, tx *sql.Tx, sc *crm.Schema, cs []*crm.Customer, words []Words, cols []int, importID int64, lines []int, now string) ([]int64, error) {
	cols = withValues(cols, cs)
	custom := len(sc.Custom()) > 0
	accounts := make([]int64, 0, len(cs))
	var imp any
	if importID != 0 {
		imp = importID
	}
	per := s.RowsPerStatement()
	args := make([]any, 0, 2+min(len(cs), per)*(len(cols)+4))
	for start := 0; start < len(cs); start += per {
		chunk := cs[start:min(start+per, len(cs))]
		if s.pg {
			var chunkLines []int
			if lines != nil {
				chunkLines = lines[start : start+len(chunk)]
			}
			var chunkWords []Words
			if words != nil {
				chunkWords = words[start : start+len(chunk)]
			}
			numbers, err := s.insertPostgres(ctx, tx, sc, chunk, chunkWords, cols, importID, chunkLines, now)
			if err != nil {
				return nil, fmt.Errorf("insert customers: %w", err)
			}
			accounts = append(accounts, numbers...)
			continue
		}
		args = append(args[:0], imp, now)
		for i, c := range chunk {
			for _, col := range cols {
				args = append(args, nullable(c.Values[valueColumns[col]]))
			}
			for _, col := range cols {
				if key := valueColumns[col]; phoneColumns[key] != "" {
					args = append(args, nullable(e164Of(c, key, sc.Country)))
				}
			}
			var line any
			if lines != nil {
				line = lines[start+i]
			}
			key, hash := emailArgs(c)
			var text any
			if s.searchIndex {
				text = wordsOf(c, sc, words, start+i)
			}
			args = append(args, key, hash, line, text)
			if custom {
				args = append(args, customJSON(c, sc))
			}
		}
		stmt, err := s.txStmt(ctx, tx, insertCustomersSQL(cols, custom, len(chunk)))
		if err != nil {
			return nil, fmt.Errorf("insert customers: %w", err)
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("insert customers: %w", err)
		}
		// AUTOINCREMENT numbers the rows of one statement one after the
		// other, and the transaction holds the write lock, so the last
		// number tells them all. (RETURNING cost a tenth of an import.)
		last, err := res.LastInsertId()
		if err != nil {
			return nil, fmt.Errorf("insert customers: %w", err)
		}
		for i := range chunk {
			accounts = append(accounts, last-int64(len(chunk)-1-i))
		}
	}
	return accounts, nil
}

// withValues returns cols with every further standard column that one of
// cs has a value for, so that no value is left out; cols itself when there
// is none.
func withValues(cols []int, cs []*crm.Customer) []int {
	var extra []int
	for i, name := range valueColumns {
		if slices.Contains(cols, i) {
			continue
		}
		for _, c := range cs {
			if c.Values[name] != "" {
				extra = append(extra, i)
				break
			}
		}
	}
	if extra == nil {
		return cols
	}
	extra = append(extra, cols...)
	slices.Sort(extra)
	return extra
}

// insertCustomersSQL inserts n customers, giving values to the standard
// columns cols, and to custom when the schema has custom fields (otherwise
// it keeps its default, no custom values). What all rows share is bound
// once, the import as ?1 and the time as ?2, ahead of the rows' own
// parameters, which SQLite numbers from 3 on: binding is much of an
// INSERT's cost.
func insertCustomersSQL(cols []int, custom bool, n int) string {
	names := insertNames(cols, custom)
	row := "(" + strings.Repeat("?, ", len(names)-1) + "?)"
	return "INSERT INTO customers (created_import, import_id, created_at, updated_at, " + strings.Join(names, ", ") + ")" +
		" SELECT ?1, ?1, ?2, ?2, * FROM (VALUES " + strings.Repeat(row+", ", n-1) + row + ")"
}

// insertNames are the columns, after the import and the times, that an
// INSERT of customers gives each row's own values: the standard columns
// cols, the international forms of those that are phone numbers, and what
// the store derives.
func insertNames(cols []int, custom bool) []string {
	names := make([]string, 0, len(cols)+8)
	for _, col := range cols {
		names = append(names, valueColumns[col])
	}
	for _, col := range cols {
		if e := phoneColumns[valueColumns[col]]; e != "" {
			names = append(names, e)
		}
	}
	names = append(names, "email_key", "email_hash", "import_line", "search_words")
	if custom {
		names = append(names, "custom")
	}
	return names
}

// postgresInsert is the INSERT of cs on PostgreSQL, with its arguments:
// one statement whatever the number of rows, each column's values passed
// as one array and spread back into rows by unnest, so that the server
// plans it once and pgx sends each array in its binary form. (A VALUES
// list of a thousand rows of parameters, before, took a third longer at
// commits of 10,000.) The new account numbers come back with RETURNING.
// cs, cols, importID, lines and now are as for insertCustomers.
func postgresInsert(sc *crm.Schema, cs []*crm.Customer, words []Words, cols []int, importID int64, lines []int, now string) (string, []any) {
	custom := len(sc.Custom()) > 0
	var imp *int64
	if importID != 0 {
		imp = &importID
	}
	args := []any{imp, now}
	// unnest's arrays, the names of its columns, and what the SELECT
	// makes of each.
	var arrays, names, columns []string
	array := func(values any, typ, column string) {
		args = append(args, values)
		name := fmt.Sprintf("c%d", len(names)+1)
		arrays = append(arrays, fmt.Sprintf("$%d::%s[]", len(args), typ))
		names = append(names, name)
		columns = append(columns, fmt.Sprintf(column, name))
	}
	// Text columns travel as textColumn, "" for none, and become NULL in
	// the SELECT; numbers as int8Column, noNumber for none.
	const asIs, orNull = "%s", "NULLIF(%s, '')"
	orNone := fmt.Sprintf("NULLIF(%%s, '%d'::bigint)", noNumber)
	for _, col := range cols {
		values := make(textColumn, len(cs))
		for i, c := range cs {
			values[i] = validText(c.Values[valueColumns[col]])
		}
		array(values, "text", orNull)
	}
	for _, col := range cols {
		key := valueColumns[col]
		if phoneColumns[key] == "" {
			continue
		}
		values := make(textColumn, len(cs))
		for i, c := range cs {
			values[i] = e164Of(c, key, sc.Country)
		}
		array(values, "text", orNull)
	}
	keys, hashes, lineNumbers, texts := make(textColumn, len(cs)), make(int8Column, len(cs)), make(int8Column, len(cs)), make(textColumn, len(cs))
	for i, c := range cs {
		hashes[i], lineNumbers[i] = noNumber, noNumber
		if e := c.Values[crm.KeyEmail]; e != "" {
			keys[i] = EmailKey(e)
			hashes[i] = emailHash(keys[i])
		}
		if lines != nil {
			lineNumbers[i] = int64(lines[i])
		}
		texts[i] = validText(wordsOf(c, sc, words, i))
	}
	array(keys, "text", orNull)
	array(hashes, "bigint", orNone)
	array(lineNumbers, "bigint", orNone)
	array(texts, "text", asIs)
	if custom {
		values := make(textColumn, len(cs))
		for i, c := range cs {
			values[i] = validText(customJSON(c, sc))
		}
		array(values, "text", asIs)
	}
	return verbatim + "INSERT INTO customers (created_import, import_id, created_at, updated_at, " + strings.Join(insertNames(cols, custom), ", ") + ")" +
		" SELECT $1::bigint, $1::bigint, $2::text, $2::text, " + strings.Join(columns, ", ") +
		" FROM unnest(" + strings.Join(arrays, ", ") + ") AS u(" + strings.Join(names, ", ") + ") RETURNING account_number", args
}

// noNumber stands for NULL in postgresInsert's int8Columns: no email hash
// (an int32) or line number (from 1) is ever this.
const noNumber = math.MinInt64

// insertPostgres inserts cs in tx with postgresInsert and returns their
// new account numbers in order.
func (s *Store) insertPostgres(ctx context.Context, tx *sql.Tx, sc *crm.Schema, cs []*crm.Customer, words []Words, cols []int, importID int64, lines []int, now string) ([]int64, error) {
	q, args := postgresInsert(sc, cs, words, cols, importID, lines, now)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return accountNumbers(rows)
}

// accountNumbers reads the account numbers an INSERT returns, in the order
// of its rows: the identity numbers them in the order they are inserted,
// which is unnest's order.
func accountNumbers(rows resultRows) ([]int64, error) {
	numbers, err := int64s(rows)
	slices.Sort(numbers)
	return numbers, err
}

// int64s reads rows of one number each, in their order.
func int64s(rows resultRows) ([]int64, error) {
	var numbers []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		numbers = append(numbers, n)
	}
	return numbers, rows.Err()
}

// nullable is v as an argument, NULL when empty.
func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

const findByEmailSQL = `SELECT account_number FROM customers WHERE email_hash = ? AND email_key = ? AND account_number <> ?`

// checkEmailFree returns a *crm.ConflictError when c's email belongs to
// another customer. It must run in the transaction that then writes c: the
// write lock it holds is what keeps emails unique (see the migration
// 0002_email_hash.sql).
func checkEmailFree(ctx context.Context, q queryer, c *crm.Customer) error {
	key, hash := emailArgs(c)
	if key == nil {
		return nil
	}
	var holder int64
	err := q.QueryRowContext(ctx, findByEmailSQL, hash, key, c.AccountNumber).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check email: %w", err)
	}
	return &crm.ConflictError{Field: crm.KeyEmail, Value: c.Values[crm.KeyEmail], Account: holder}
}

// emailTaken returns, for err from a write of c, the conflict
// checkEmailFree would have found had the write come a moment later. The
// store's writes take the write lock, so between its check and its write
// no writer of the store can take c's email; on PostgreSQL anything else
// writing to the database can, and the unique index on the email key then
// refuses the write with a unique violation, which people see as the
// usual conflict. Any other error is returned as it is.
func (s *Store) emailTaken(ctx context.Context, c *crm.Customer, err error) error {
	if !isUnique(err) {
		return err
	}
	if conflict := checkEmailFree(ctx, s.read, c); conflict != nil {
		return conflict
	}
	return err
}

var getCustomerSQL = `SELECT ` + selectCustomerColumns + ` FROM customers WHERE account_number = ?`

// GetCustomer returns the customer with the account number.
func (s *Store) GetCustomer(ctx context.Context, account int64) (*crm.Customer, error) {
	return getCustomer(ctx, s.read, account)
}

func getCustomer(ctx context.Context, q queryer, account int64) (*crm.Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, getCustomerSQL, account))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("customer %d: %w", account, crm.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get customer %d: %w", account, err)
	}
	return c, nil
}

// updateCustomerSQL writes a customer's values and which import and line
// of its file changed it last: none for a change by hand, so that a revert
// of the import knows the customer was changed since and keeps it.
//
// With the values go what the store derives from them (derivedColumns:
// the phone numbers' international forms and the search words), so that
// every writer of a customer, an import's update and a revert's restore
// included, keeps them current.
var updateCustomerSQL = `UPDATE customers SET ` + strings.Join(valueColumns, " = ?, ") + ` = ?, ` + strings.Join(derivedColumns, " = ?, ") + ` = ?, email_key = ?, email_hash = ?, custom = ?, updated_at = ?, import_id = ?, import_line = ? WHERE account_number = ?`

// UpdateCustomer applies change to the customer with the account number and
// saves the result after validating what changed, all in one transaction.
// change may set a value to "" to clear it.
func (s *Store) UpdateCustomer(ctx context.Context, account int64, change func(*crm.Customer) error) (*crm.Customer, error) {
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return nil, fmt.Errorf("update customer: %w", err)
	}
	defer end()
	sc, err := schema(ctx, tx)
	if err != nil {
		return nil, err
	}
	c, err := getCustomer(ctx, tx, account)
	if err != nil {
		return nil, err
	}
	stored := maps.Clone(c.Values)
	if err := change(c); err != nil {
		return nil, err
	}
	c.AccountNumber = account
	if err := sc.Validate(c, crm.ValidateOptions{Stored: stored}); err != nil {
		return nil, err
	}
	if err := checkEmailFree(ctx, tx, c); err != nil {
		return nil, err
	}
	now := s.now()
	if err := updateCustomer(ctx, tx, sc, c, formatTime(now)); err != nil {
		return nil, s.emailTaken(ctx, c, err)
	}
	c.UpdatedAt = now.Truncate(1e6)
	if err := s.audit(ctx, tx, crm.AuditCustomerEdited, fmt.Sprintf("customer %d", account), fieldList(changedKeys(sc, stored, c.Values))); err != nil {
		return nil, err
	}
	return c, tx.Commit()
}

func updateCustomer(ctx context.Context, tx *sql.Tx, sc *crm.Schema, c *crm.Customer, now string) error {
	if _, err := tx.ExecContext(ctx, updateCustomerSQL, updateCustomerArgs(sc, c, now, nil, nil)...); err != nil {
		return fmt.Errorf("update customer %d: %w", c.AccountNumber, err)
	}
	return nil
}

// updateCustomerArgs are updateCustomerSQL's arguments; importID and line
// are nil for a change by hand.
func updateCustomerArgs(sc *crm.Schema, c *crm.Customer, now string, importID, line any) []any {
	args := appendValues(make([]any, 0, len(valueColumns)+len(derivedColumns)+7), c)
	args = appendDerived(args, c, sc)
	key, hash := emailArgs(c)
	return append(args, key, hash, customJSON(c, sc), now, importID, line, c.AccountNumber)
}

// DeleteCustomer deletes the customer with the account number. The number
// is never given to anyone else.
func (s *Store) DeleteCustomer(ctx context.Context, account int64) error {
	return s.inTx(ctx, "delete customer", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM customers WHERE account_number = ?`, account)
		if err != nil {
			return fmt.Errorf("delete customer %d: %w", account, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("customer %d: %w", account, crm.ErrNotFound)
		}
		return s.audit(ctx, tx, crm.AuditCustomerDelete, fmt.Sprintf("customer %d", account), "")
	})
}

// changedKeys lists, in the schema's order, the fields whose values differ
// between before and after: what an audit entry names, without the values.
func changedKeys(sc *crm.Schema, before, after map[string]string) []string {
	var keys []string
	for _, f := range sc.Fields {
		if before[f.Key] != after[f.Key] {
			keys = append(keys, f.Key)
		}
	}
	return keys
}

// CustomerFilter selects a page of customers.
type CustomerFilter struct {
	// Search finds customers by the beginnings of the words of their
	// names, company and email, ignoring case and accents, and by the
	// digits their phone numbers end with (newSearch).
	Search string
	Limit  int // 0 means 50
	Offset int
	// Import, when not 0, selects the customers that import created or
	// updated, for its report's links (importCustomersSQL); Search must
	// then be empty.
	Import int64
}

var listCustomersSQL = `SELECT ` + selectCustomerColumns + ` FROM customers ORDER BY account_number LIMIT ? OFFSET ?`

// searchWordsSQL and countWordsSQL find customers through the search index
// (migration 0011), which returns them in account number order.
var searchWordsSQL = `SELECT ` + selectCustomerColumns + ` FROM (
		SELECT rowid AS found FROM customer_search WHERE customer_search MATCH ?
		ORDER BY rowid LIMIT ? OFFSET ?
	) JOIN customers ON account_number = found ORDER BY found`

const countWordsSQL = `SELECT count(*) FROM customer_search WHERE customer_search MATCH ?`

// ListCustomers returns a page of the customers that match f, in account
// number order, and how many match in all.
func (s *Store) ListCustomers(ctx context.Context, f CustomerFilter) ([]*crm.Customer, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := strings.TrimSpace(f.Search)
	if n := utf8.RuneCountInString(q); n > MaxSearchLength {
		return nil, 0, crm.Invalid("search", crm.Shorten(q), fmt.Sprintf("A search has at most %d characters; this one has %d. Search for a name, an email or a number.", MaxSearchLength, n))
	}
	if f.Offset < 0 || f.Offset > maxOffset {
		return nil, 0, crm.Invalid("offset", fmt.Sprint(f.Offset), fmt.Sprintf("The offset must be from 0 to %d.", maxOffset))
	}
	if f.Import != 0 {
		if q != "" {
			return nil, 0, crm.Invalid("search", crm.Shorten(q), "Search the whole customer file, or list the customers of an import, not both at once.")
		}
		return s.importCustomers(ctx, f)
	}
	var total int
	var rows *sql.Rows
	var err error
	if q == "" {
		if total, err = s.CountCustomers(ctx); err != nil {
			return nil, 0, err
		}
		rows, err = s.read.QueryContext(ctx, listCustomersSQL, f.Limit, f.Offset)
	} else {
		return s.search(ctx, q, f)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("list customers: %w", err)
	}
	return collectCustomers(rows, total)
}

// collectCustomers reads the customers of rows, and closes them.
func collectCustomers(rows *sql.Rows, total int) ([]*crm.Customer, int, error) {
	defer rows.Close()
	var cs []*crm.Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list customers: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list customers: %w", err)
	}
	return cs, total, nil
}

// MaxSearchLength bounds a search: no name, email or phone number needs
// more, and a search's words each cost the index a lookup.
const MaxSearchLength = 200

// maxOffset bounds paging far past any real customer file, so that an
// offset computed from a huge page number never overflows in SQL.
const maxOffset = 1 << 40

// CountCustomers returns how many customers there are.
func (s *Store) CountCustomers(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return n, nil
}

var allCustomersSQL = `SELECT ` + selectCustomerColumns + ` FROM customers ORDER BY account_number`

// EachCustomer calls fn for every customer in account number order,
// streaming them so that an export of any size runs in little memory.
func (s *Store) EachCustomer(ctx context.Context, fn func(*crm.Customer) error) error {
	rows, err := s.read.QueryContext(ctx, allCustomersSQL)
	if err != nil {
		return fmt.Errorf("export customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return fmt.Errorf("export customers: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export customers: %w", err)
	}
	return nil
}
