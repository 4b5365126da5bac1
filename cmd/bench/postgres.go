//go:build unix

package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"localcrm/internal/crm"
)

// The PostgreSQL bench (issue 10). With -postgres URL (scripts/bench starts
// a throwaway cluster, with fsync and synchronous_commit on, and passes its
// URL), each file is also loaded into PostgreSQL, each load into a new
// database, taking turns:
//   - the anchor: psql's \copy of the file into a table of the same columns
//     with a unique index on lower(email), in one transaction;
//   - the floor of committing in batches: PostgreSQL itself copying the same
//     rows from a staging table in transactions of the batch size;
//   - localcrm's import, at the default batch size and at 10,000;
//   - after each import, untimed by it, PostgreSQL copying the customers
//     localcrm stored into an empty table like its own (every index of
//     it, the search index among them) in transactions of the batch size:
//     the floor of localcrm's schema, where the floor above is the
//     anchor's table's.
//
// And, for the first size, the two halves of the file imported into one
// database one after the other, then both at once, taking turns: imports
// that meet run side by side.

// pgAnchorTable is the anchor's table on PostgreSQL: SQLite's (its DDL is
// PostgreSQL's too), with the unique index folding the email's case, as
// localcrm's key does.
const (
	pgAnchorIndex = "CREATE UNIQUE INDEX customers_email ON customers (lower(email));\n"
	pgAnchorTable = anchorTable + pgAnchorIndex
)

// pgRow is one file at one batch size on PostgreSQL, each figure the
// median of the runs.
type pgRow struct {
	size, batch   int
	local, anchor measurement
	floor         measurement
	own           measurement // the floor of localcrm's own table
	ratio         float64     // localcrm over \copy, the median of the rounds' ratios
	floorRatio    float64     // localcrm over the floor, likewise
	ownRatio      float64     // localcrm over its own table's floor, likewise
	err           error
}

func runPostgres(admin, dir string, sizes []int, runs int) error {
	if _, err := exec.LookPath("psql"); err != nil {
		return fmt.Errorf("psql is not installed: %w", err)
	}
	bin := filepath.Join(dir, "localcrm")
	if err := command("go", "build", "-o", bin, "localcrm/cmd/localcrm").Run(); err != nil {
		return fmt.Errorf("build localcrm: %w", err)
	}
	var rows []pgRow
	var apart, together []measurement
	for i, n := range sizes {
		file := filepath.Join(dir, fmt.Sprintf("pg-customers-%d.csv", n))
		if err := generate(file, n); err != nil {
			return err
		}
		batches := []int{crm.DefaultBatchSize, bigBatch}
		var anchors []measurement
		locals, floors, owns := make([][]measurement, len(batches)), make([][]measurement, len(batches)), make([][]measurement, len(batches))
		errs := make([]error, len(batches))
		for range runs {
			a, err := pgAnchor(admin, file, n)
			if err != nil {
				return fmt.Errorf("psql \\copy of %s records: %w", thousands(n), err)
			}
			logf("postgres: psql \\copy %s records: %.2f s", thousands(n), a.wall.Seconds())
			anchors = append(anchors, a)
			for j, batch := range batches {
				if errs[j] != nil {
					continue
				}
				f, err := pgFloor(admin, file, n, batch)
				if err != nil {
					errs[j] = err
					continue
				}
				logf("postgres: %s records copied in commits of %d: %.2f s", thousands(n), batch, f.wall.Seconds())
				floors[j] = append(floors[j], f)
				l, own, err := pgImport(admin, bin, file, n, batch)
				if err != nil {
					errs[j] = err
					continue
				}
				logf("postgres: localcrm import %s records, batch %d: %.2f s, %.1f MB; its rows copied into its table: %.2f s",
					thousands(n), batch, l.wall.Seconds(), mb(l.rss), own.wall.Seconds())
				locals[j], owns[j] = append(locals[j], l), append(owns[j], own)
			}
		}
		for j, batch := range batches {
			r := pgRow{size: n, batch: batch, err: errs[j]}
			if r.err == nil {
				r.local, r.anchor, r.floor, r.own = median(locals[j]), median(anchors), median(floors[j]), median(owns[j])
				r.ratio, r.floorRatio, r.ownRatio = medianRatio(locals[j], anchors), medianRatio(locals[j], floors[j]), medianRatio(locals[j], owns[j])
			}
			rows = append(rows, r)
		}
		if i == 0 {
			var err error
			if apart, together, err = pgTwoImports(admin, bin, file, n, runs); err != nil {
				return fmt.Errorf("two imports of %s records: %w", thousands(n/2), err)
			}
		}
		os.Remove(file)
	}
	printPostgres(os.Stdout, rows)
	if len(apart) > 0 {
		fmt.Printf("\nTwo imports of %s records each into one database (commits of %d), the same run:\n\n", thousands(sizes[0]/2), crm.DefaultBatchSize)
		fmt.Printf("| one after the other s | both at once s |\n|---:|---:|\n| %.2f | %.2f |\n", median(apart).wall.Seconds(), median(together).wall.Seconds())
	}
	for _, r := range rows {
		if r.err != nil {
			return fmt.Errorf("%s records, batch %d: %w", thousands(r.size), r.batch, r.err)
		}
	}
	return nil
}

// pgTwoImports times, runs times taking turns, the two halves of file (n
// records) imported by two localcrm processes into one new database, one
// after the other and both at once.
func pgTwoImports(admin, bin, file string, n, runs int) (apart, together []measurement, err error) {
	halves, err := splitHalves(file)
	if err != nil {
		return nil, nil, err
	}
	defer os.Remove(halves[0])
	defer os.Remove(halves[1])
	for range runs {
		for _, both := range []bool{false, true} {
			m, err := pgTwoInto(admin, bin, halves, n, both)
			if err != nil {
				return nil, nil, err
			}
			logf("postgres: two imports of %s records, at once %v: %.2f s", thousands(n/2), both, m.wall.Seconds())
			if both {
				together = append(together, m)
			} else {
				apart = append(apart, m)
			}
		}
	}
	return apart, together, nil
}

// pgTwoInto imports the two files into a new database, both at once or one
// after the other, and checks that it then holds n customers.
func pgTwoInto(admin, bin string, files [2]string, n int, both bool) (measurement, error) {
	dsn, drop, err := pgDatabase(admin, "bench_two")
	if err != nil {
		return measurement{}, err
	}
	defer drop()
	if out, err := exec.Command(bin, "--db", dsn, "fields", "list").CombinedOutput(); err != nil {
		return measurement{}, fmt.Errorf("migrate: %w\n%s", err, out)
	}
	load := func(file string) error {
		_, err := measure(exec.Command(bin, importArgs(dsn, file, n/2, crm.DefaultBatchSize)...), "")
		return err
	}
	start := time.Now()
	if both {
		errs := make(chan error, 2)
		for _, f := range files {
			go func() { errs <- load(f) }()
		}
		err = errors.Join(<-errs, <-errs)
	} else {
		err = errors.Join(load(files[0]), load(files[1]))
	}
	if err != nil {
		return measurement{}, err
	}
	return measurement{wall: time.Since(start)}, pgCount(dsn, "customers", n)
}

// splitHalves writes the records of the CSV file in two files beside it,
// each with the header: the first half and the second.
func splitHalves(file string) ([2]string, error) {
	var halves [2]string
	in, err := os.Open(file)
	if err != nil {
		return halves, err
	}
	defer in.Close()
	records, err := csv.NewReader(in).ReadAll()
	if err != nil {
		return halves, err
	}
	header, rest := records[0], records[1:]
	for i, part := range [][][]string{rest[:len(rest)/2], rest[len(rest)/2:]} {
		halves[i] = strings.TrimSuffix(file, ".csv") + fmt.Sprintf("-half%d.csv", i+1)
		out, err := os.Create(halves[i])
		if err != nil {
			return halves, err
		}
		w := csv.NewWriter(out)
		w.WriteAll(append([][]string{header}, part...))
		if err := errors.Join(w.Error(), out.Close()); err != nil {
			return halves, err
		}
	}
	return halves, nil
}

// pgDatabase creates a new, empty database in the cluster at admin and
// returns its URL and what drops it.
func pgDatabase(admin, name string) (string, func(), error) {
	psql := func(sql string) error {
		out, err := exec.Command("psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", sql).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", sql, err, out)
		}
		return nil
	}
	_ = psql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	if err := psql("CREATE DATABASE " + name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() { _ = psql("DROP DATABASE " + name + " WITH (FORCE)") }, nil
}

// psqlScript runs script with psql on the database at dsn, stopping at the
// first error.
func psqlScript(dsn, script string) *exec.Cmd {
	cmd := exec.Command("psql", dsn, "-q", "-v", "ON_ERROR_STOP=1")
	cmd.Stdin = strings.NewReader(script)
	return cmd
}

// pgAnchor times psql's \copy of file into the anchor's table.
func pgAnchor(admin, file string, n int) (measurement, error) {
	dsn, drop, err := pgDatabase(admin, "bench_anchor")
	if err != nil {
		return measurement{}, err
	}
	defer drop()
	if out, err := psqlScript(dsn, pgAnchorTable).CombinedOutput(); err != nil {
		return measurement{}, fmt.Errorf("%w\n%s", err, out)
	}
	m, err := measure(psqlScript(dsn, fmt.Sprintf("\\copy customers FROM %s WITH (FORMAT csv, HEADER true)\n", pgQuote(file))), "")
	if err != nil {
		return m, err
	}
	return m, pgCount(dsn, "customers", n)
}

// pgFloor times PostgreSQL copying the file's rows, staged untimed, into
// the anchor's table in transactions of batch rows.
func pgFloor(admin, file string, n, batch int) (measurement, error) {
	dsn, drop, err := pgDatabase(admin, "bench_floor")
	if err != nil {
		return measurement{}, err
	}
	defer drop()
	// The staged rows are numbered, in file order, for the batches' ranges.
	setup := anchorTable + "CREATE TABLE stage (LIKE customers);\n" +
		fmt.Sprintf("\\copy stage FROM %s WITH (FORMAT csv, HEADER true)\n", pgQuote(file)) +
		"ALTER TABLE stage ADD COLUMN n bigserial;\nCREATE INDEX ON stage (n);\n" + pgAnchorIndex
	if out, err := psqlScript(dsn, setup).CombinedOutput(); err != nil {
		return measurement{}, fmt.Errorf("stage: %w\n%s", err, out)
	}
	var script strings.Builder
	for first := 1; first <= n; first += batch {
		fmt.Fprintf(&script, "BEGIN; INSERT INTO customers SELECT first_name, last_name, email, company, voice, alternative, "+
			"addr1_street1, addr1_city, addr1_state, addr1_zip, addr1_country, comments FROM stage WHERE n BETWEEN %d AND %d; COMMIT;\n",
			first, first+batch-1)
	}
	m, err := measure(psqlScript(dsn, script.String()), "")
	if err != nil {
		return m, err
	}
	return m, pgCount(dsn, "customers", n)
}

// pgImport times the real binary importing file into a new database, and
// then PostgreSQL copying what it stored into a table like its own in
// transactions of batch rows (pgOwnFloor).
func pgImport(admin, bin, file string, n, batch int) (local, own measurement, err error) {
	dsn, drop, err := pgDatabase(admin, "bench_localcrm")
	if err != nil {
		return local, own, err
	}
	defer drop()
	// The schema is made untimed, as the anchor's table is.
	if out, err := exec.Command(bin, "--db", dsn, "fields", "list").CombinedOutput(); err != nil {
		return local, own, fmt.Errorf("migrate: %w\n%s", err, out)
	}
	if local, err = measure(exec.Command(bin, importArgs(dsn, file, n, batch, "--progress")...), fmt.Sprintf("localcrm on postgres %d/%d", n, batch)); err != nil {
		return local, own, err
	}
	if err := pgCount(dsn, "customers", n); err != nil {
		return local, own, err
	}
	own, err = pgOwnFloor(dsn, n, batch)
	return local, own, err
}

// pgOwnFloor times PostgreSQL copying the n customers of the database at
// dsn, staged untimed, into an empty table like localcrm's customers (its
// columns, defaults and indexes) in transactions of batch rows, in the
// order of their account numbers (those of a new database's import, one
// after the other).
func pgOwnFloor(dsn string, n, batch int) (measurement, error) {
	setup := "CREATE TABLE stage AS SELECT * FROM customers;\nCREATE INDEX ON stage (account_number);\n" +
		"CREATE TABLE own (LIKE customers INCLUDING ALL);\n"
	if out, err := psqlScript(dsn, setup).CombinedOutput(); err != nil {
		return measurement{}, fmt.Errorf("stage: %w\n%s", err, out)
	}
	out, err := psqlValue(dsn, "SELECT min(account_number) FROM stage")
	if err != nil {
		return measurement{}, err
	}
	first, err := strconv.Atoi(out)
	if err != nil {
		return measurement{}, fmt.Errorf("first account: %w", err)
	}
	var script strings.Builder
	for a := first; a < first+n; a += batch {
		fmt.Fprintf(&script, "BEGIN; INSERT INTO own SELECT * FROM stage WHERE account_number BETWEEN %d AND %d; COMMIT;\n", a, a+batch-1)
	}
	m, err := measure(psqlScript(dsn, script.String()), "")
	if err != nil {
		return m, err
	}
	return m, pgCount(dsn, "own", n)
}

// pgCount checks that table holds n rows.
func pgCount(dsn, table string, n int) error {
	got, err := psqlValue(dsn, "SELECT count(*) FROM "+table)
	if err != nil {
		return err
	}
	if got != strconv.Itoa(n) {
		return fmt.Errorf("%s holds %s rows, not %d", table, got, n)
	}
	return nil
}

// psqlValue runs query, which gives one value, in the database at dsn.
func psqlValue(dsn, query string) (string, error) {
	out, err := exec.Command("psql", dsn, "-tAc", query).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", query, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// pgQuote quotes a path as a psql literal.
func pgQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// pgTarget is the target for a row: the most localcrm may take
// over the floor (by: "floor") or over \copy ("copy"), or none.
func pgTarget(r pgRow) (limit float64, by string) {
	switch {
	case r.batch == crm.DefaultBatchSize && r.size <= crm.DefaultMaxRecords:
		return 1.25, "floor"
	case r.batch == bigBatch && r.size >= 1_000_000:
		return 1.5, "copy"
	}
	return 0, ""
}

func printPostgres(w io.Writer, rows []pgRow) {
	version, _ := exec.Command("psql", "--version").Output()
	fmt.Fprintf(w, "\nPostgreSQL (%s), synchronous_commit=on:\n\n", strings.TrimSpace(string(version)))
	cols := []string{"records", "batch", "localcrm s", "peak RSS MB", "psql \\copy s", "÷ \\copy", "PG in batches s", "÷ PG in batches",
		"PG in batches, localcrm's table s", "÷ it", "target", "pass/fail"}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---:|", len(cols)-2)+":---|:---|")
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(w, "| %s | %d | error: %v |\n", thousands(r.size), r.batch, r.err)
			continue
		}
		targets, results := []string{fmt.Sprintf("≤%d MB", maxRSS>>20)}, []string{pass(r.local.rss <= maxRSS)}
		if limit, by := pgTarget(r); limit > 0 {
			ratio := r.ratio
			if by == "floor" {
				ratio = r.floorRatio
			}
			targets = append([]string{fmt.Sprintf("≤%.2f× %s", limit, by)}, targets...)
			results = append([]string{pass(ratio <= limit)}, results...)
		}
		fmt.Fprintf(w, "| %s | %d | %.2f | %.1f | %.2f | %.2f× | %.2f | %.2f× | %.2f | %.2f× | %s | %s |\n",
			thousands(r.size), r.batch, r.local.wall.Seconds(), mb(r.local.rss), r.anchor.wall.Seconds(), r.ratio,
			r.floor.wall.Seconds(), r.floorRatio, r.own.wall.Seconds(), r.ownRatio, strings.Join(targets, ", "), strings.Join(results, ", "))
	}
}

func pass(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
