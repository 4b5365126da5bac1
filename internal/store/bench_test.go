package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// BenchmarkBatchCommit measures the store's side of an import at the
// default batch size: for each batch, the duplicate lookup, the insert of
// new customers and the commit with the job's checkpoint, into a real
// SQLite file. One round is one batch.
func BenchmarkBatchCommit(b *testing.B) { benchBatchCommit(b, crm.DefaultBatchSize) }

// BenchmarkBatchCommit10000 is BenchmarkBatchCommit at the largest batch
// size, where the per-commit cost fades and the per-row cost shows.
func BenchmarkBatchCommit10000(b *testing.B) { benchBatchCommit(b, crm.MaxBatchSize) }

func benchBatchCommit(b *testing.B, size int) {
	ctx := context.Background()
	l := newBenchLoad(b, size)
	for b.Loop() {
		l.batch(ctx)
	}
	b.ReportMetric(float64(l.imp.Counts.Records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSearch measures a search of 50,000 customers: by words, which
// the search index answers, when every customer matches and when none
// does; and by part of an email, which scans them all (LIKE lets through
// every row GLOB, folding case in every script, could match). One round is
// one ListCustomers: the count and the first page.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	l := newBenchLoad(b, crm.MaxBatchSize)
	for l.imp.Counts.Records < 50_000 {
		l.batch(ctx)
	}
	for name, q := range map[string]string{"words, all match": "MÜLLER jose", "words, none match": "nobody", "email, all match": "@EXAMPLE.com"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := l.st.ListCustomers(ctx, store.CustomerFilter{Search: q}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchLoad writes batches of new customers as an import does.
type benchLoad struct {
	b     testing.TB
	st    *store.Store
	sc    *crm.Schema
	imp   *crm.Import
	cs    []*crm.Customer
	lines []int
	keys  []string
	line  int
}

func newBenchLoad(b *testing.B, size int) *benchLoad {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	sc, err := st.Schema(ctx)
	if err != nil {
		b.Fatal(err)
	}
	imp := &crm.Import{
		Status: crm.ImportRunning, FileName: "bench.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
		Options: crm.ImportOptions{BatchSize: size, MaxRecords: crm.DefaultMaxRecords},
	}
	if err := st.CreateImport(ctx, imp); err != nil {
		b.Fatal(err)
	}
	// Customers as the importer hands them over: validated, defaults
	// applied. Only the email changes from batch to batch, so that every
	// record is new and the unique index grows as in a real import.
	l := &benchLoad{b: b, st: st, sc: sc, imp: imp, cs: make([]*crm.Customer, size),
		lines: make([]int, size), keys: make([]string, size), line: 1}
	for i := range l.cs {
		l.cs[i] = &crm.Customer{Values: map[string]string{
			"first_name": "José", "last_name": "Müller-Łukasiewicz", "company": "Brontë & Partners",
			"voice": "(555) 123-4567", "alternative": "+48 601 234 567", "comments": "Met at the trade show.",
			"addr1_street1": "742 Evergreen Terrace", "addr1_city": "Springfield", "addr1_state": "IL",
			"addr1_zip": "62704", "addr1_country": "United States",
		}}
		sc.ApplyDefaults(l.cs[i])
	}
	return l
}

// batch looks up, inserts and commits one batch of new customers.
func (l *benchLoad) batch(ctx context.Context) {
	b, size := l.b, len(l.cs)
	for i, c := range l.cs {
		l.line++
		email := "Jose.Muller" + strconv.Itoa(l.line) + "@Example.com"
		c.AccountNumber = 0
		c.Values[crm.KeyEmail] = email
		l.keys[i], l.lines[i] = store.EmailKey(email), l.line
	}
	batch, err := l.st.BeginBatch(ctx, l.imp, l.sc)
	if err != nil {
		b.Fatal(err)
	}
	byEmail, _, err := batch.Existing(ctx, l.keys, nil)
	if err != nil {
		b.Fatal(err)
	}
	// Customers whose emails only share a hash with the batch's are
	// found too, under their own keys; none may be the batch's own.
	for _, k := range l.keys {
		if byEmail[k] != nil {
			b.Fatalf("%s already exists", k)
		}
	}
	if err := batch.Insert(ctx, l.cs, l.lines, nil); err != nil {
		b.Fatal(err)
	}
	l.imp.Counts.Records += size
	l.imp.Counts.Created += size
	l.imp.Counts.Batches++
	if _, err := batch.Commit(ctx, crm.Checkpoint{Counts: l.imp.Counts}); err != nil {
		b.Fatal(err)
	}
}
