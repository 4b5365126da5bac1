package importer

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/store"
)

// Export writes every customer to w as CSV or JSON, the file an import
// reads back as it is, and returns how many it wrote. The command line's
// export and the web's download both use it, so the two give the same
// bytes.
//
// CSV: a header of the fields' keys, account_number first, then a record
// per customer, through csvin's Writer: a cell a spreadsheet would take for
// a formula is guarded, and one holding any delimiter is quoted. JSON: an
// array with one object per line, so that it streams out in little memory
// and reads well in a diff.
func Export(ctx context.Context, st *store.Store, format string, w io.Writer) (int, error) {
	return ExportPhones(ctx, st, format, crm.PhonesWritten, w)
}

// ExportPhones is Export with phones saying how phone numbers are written:
// as written (as Export does), in their international form, or both, each
// number's international form in a column of its own after it
// (crm.PhoneColumns).
func ExportPhones(ctx context.Context, st *store.Store, format string, phones crm.PhoneColumns, w io.Writer) (int, error) {
	phones, err := crm.ParsePhoneColumns(string(phones))
	if err != nil {
		return 0, err
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return 0, err
	}
	switch format {
	case "csv":
		return exportCSV(ctx, st, sc, phones, w)
	case "json":
		return exportJSON(ctx, st, sc, phones, w)
	}
	return 0, crm.Invalid("format", format, fmt.Sprintf("An export is csv or json, not %q.", format))
}

func exportCSV(ctx context.Context, st *store.Store, sc *crm.Schema, phones crm.PhoneColumns, w io.Writer) (int, error) {
	cw := csvin.NewWriter(w, ',')
	var record []string
	for _, f := range sc.Fields {
		record = append(record, f.Key)
		if f.Type == crm.TypePhone && phones == crm.PhonesBoth {
			record = append(record, f.Key+crm.E164Suffix)
		}
	}
	if err := cw.Write(record); err != nil {
		return 0, err
	}
	n := 0
	err := st.EachCustomer(ctx, func(c *crm.Customer) error {
		n++
		record = record[:0]
		for _, f := range sc.Fields {
			switch {
			case f.Key == crm.KeyAccountNumber:
				record = append(record, strconv.FormatInt(c.AccountNumber, 10))
			case f.Type == crm.TypePhone:
				record = append(record, crm.PhoneValue(c, f.Key, phones))
				if phones == crm.PhonesBoth {
					e, _ := c.PhoneForm(f.Key)
					record = append(record, e)
				}
			default:
				record = append(record, c.Get(f.Key))
			}
		}
		return cw.Write(record)
	})
	if err != nil {
		return n, err
	}
	return n, cw.Flush()
}

func exportJSON(ctx context.Context, st *store.Store, sc *crm.Schema, phones crm.PhoneColumns, w io.Writer) (int, error) {
	j := crm.NewCustomerJSON(sc, true)
	j.Phones = phones
	sep := "[\n  "
	var b []byte
	n := 0
	err := st.EachCustomer(ctx, func(c *crm.Customer) error {
		n++
		b = append(b[:0], sep...)
		b = j.Append(b, c)
		sep = ",\n  "
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return n, err
	}
	end := "\n]\n"
	if n == 0 {
		end = "[]\n"
	}
	_, err = io.WriteString(w, end)
	return n, err
}
