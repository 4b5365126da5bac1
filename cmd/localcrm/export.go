package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

const exportUsage = `Usage: localcrm export FILE|- [--format csv|json] [--phones written|e164|both]

Writes every customer to FILE, or to standard output for -. The CSV header
is the fields' keys, account_number first; a JSON export is an array of
objects with the same keys. A cell that a spreadsheet would take for a
formula (it begins with = + - @, a tab or a carriage return) is written
with a ' before it, which 'localcrm import' removes again, and a cell
holding a comma, semicolon, tab or pipe is quoted, so that no spreadsheet
splits it whatever its list separator. The export is in the audit log.
Managers download the same file from the Customers page.

  --format csv|json   the format (default: json for a FILE ending in .json, else csv)
  --phones FORM       how phone numbers are written: written (the default: as
                      they were written), e164 (in their international form,
                      such as +442079460958, where they have one; as written
                      where they do not), or both (as written, each followed by
                      a column KEY_e164 of its international form)
`

func runExport(ctx context.Context, a *app, args []string) error {
	flags := newFlagSet("export")
	format := flags.String("format", "", "")
	phonesFlag := flags.String("phones", string(crm.PhonesWritten), "")
	pos, err := a.parse(flags, args, exportUsage, "FILE")
	if err != nil {
		return err
	}
	name := pos[0]
	switch strings.ToLower(*format) {
	case "":
		*format = "csv"
		if strings.EqualFold(filepath.Ext(name), ".json") {
			*format = "json"
		}
	case "csv", "json":
		*format = strings.ToLower(*format)
	default:
		return &usageError{msg: fmt.Sprintf("--format must be csv or json, not %q", *format), usage: exportUsage}
	}
	phones, err := crm.ParsePhoneColumns(*phonesFlag)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("--phones must be written, e164 or both, not %q", *phonesFlag), usage: exportUsage}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	var n int // customers written
	write := func(w io.Writer) (err error) {
		n, err = importer.ExportPhones(ctx, st, *format, phones, w)
		return err
	}
	to := "standard output"
	if name == "-" {
		w := bufio.NewWriter(a.stdout)
		if err := write(w); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	} else {
		if err := writeFileAtomic(name, write); err != nil {
			return err
		}
		to = name
		if abs, err := filepath.Abs(name); err == nil {
			to = abs
		}
	}
	// The whole customer file has left the database: that is on record
	// even when the user interrupts right after, hence WithoutCancel.
	detail := fmt.Sprintf("format: %s; %d customers; to %s", *format, n, to)
	if phones != crm.PhonesWritten {
		detail = fmt.Sprintf("format: %s, phones %s; %d customers; to %s", *format, phones, n, to)
	}
	if err := st.Audit(context.WithoutCancel(ctx), crm.AuditExport, "customers", detail); err != nil {
		return fmt.Errorf("the export is written, but recording it in the audit log failed: %w", err)
	}
	return nil
}

// writeFileAtomic writes name through write into a temporary file in the
// same directory and renames it into place only when all went well, so a
// failed or interrupted export never leaves half a file, nor replaces a
// good one. An existing file keeps its permissions; a new one gets 0600,
// since exports and reports hold customers' personal data.
func writeFileAtomic(name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, pathErr(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", name, pathErr(err))
	}
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", name, pathErr(err))
	}
	// Sync before the rename, or a crash could leave the new name on an
	// empty file.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", name, pathErr(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, pathErr(err))
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, pathErr(err))
	}
	return nil
}

// pathErr drops the temporary file's name from an error: the person named
// FILE and should read about FILE.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
