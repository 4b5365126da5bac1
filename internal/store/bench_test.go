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
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
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
	cs := make([]*crm.Customer, size)
	lines := make([]int, size)
	keys := make([]string, size)
	for i := range cs {
		cs[i] = &crm.Customer{Values: map[string]string{
			"first_name": "José", "last_name": "Müller-Łukasiewicz", "company": "Brontë & Partners",
			"voice": "(555) 123-4567", "alternative": "+48 601 234 567", "comments": "Met at the trade show.",
			"addr1_street1": "742 Evergreen Terrace", "addr1_city": "Springfield", "addr1_state": "IL",
			"addr1_zip": "62704", "addr1_country": "United States",
		}}
		sc.ApplyDefaults(cs[i])
	}

	line := 1
	for b.Loop() {
		for i, c := range cs {
			line++
			email := "Jose.Muller" + strconv.Itoa(line) + "@Example.com"
			c.AccountNumber = 0
			c.Values[crm.KeyEmail] = email
			keys[i], lines[i] = crm.EmailKey(email), line
		}
		batch, err := st.BeginBatch(ctx, imp, sc)
		if err != nil {
			b.Fatal(err)
		}
		byEmail, _, err := batch.Existing(ctx, keys, nil)
		if err != nil {
			b.Fatal(err)
		}
		// Customers whose emails only share a hash with the batch's are
		// found too, under their own keys; none may be the batch's own.
		for _, k := range keys {
			if byEmail[k] != nil {
				b.Fatalf("%s already exists", k)
			}
		}
		if err := batch.Insert(ctx, cs, lines); err != nil {
			b.Fatal(err)
		}
		imp.Counts.Records += size
		imp.Counts.Created += size
		imp.Counts.Batches++
		if _, err := batch.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(imp.Counts.Records)/b.Elapsed().Seconds(), "records/s")
}
