package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"localcrm/internal/crm"
	"localcrm/internal/importer"
)

const importsHelp = `Usage: localcrm imports COMMAND

Commands:
  list [--json]                 every import, newest first
  show ID [--json]              one import with its counts and errors
  resume ID [--json] [--report FILE.csv] [--rejects FILE.csv] [--progress]
                                continue an interrupted, failed or cancelled import from its last committed batch
  cancel ID                     stop an import after the batch in flight; what was committed stays
  report ID [--csv FILE] [--rejects FILE] [--json FILE] [--revert FILE]
                                write an import's report (every record), its rejected rows
                                (to fix and import again), its JSON summary or its revert's
                                report (every customer it touched); FILE may be -
  revert ID [--dry-run] [--force] [--json]
                                undo an import: delete the customers it created and give those
                                it updated their values from before it back. Customers changed
                                since are kept and listed (--force restores updated ones anyway);
                                --dry-run says what it would do. An import is reverted once; a
                                revert that stopped goes on where it stopped when run again
  delete ID                     delete an import's record and files (its customers stay)
`

func runImports(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, importsHelp, map[string]func(context.Context, *app, []string) error{
		"list":   importsList,
		"show":   importsShow,
		"resume": importsResume,
		"cancel": importsCancel,
		"report": importsReport,
		"revert": importsRevert,
		"delete": importsDelete,
	}, args)
}

// importArg parses the flags and the ID argument of an imports command and
// opens the import engine.
func (a *app) importArg(ctx context.Context, fs *flag.FlagSet, args []string) (*importer.Importer, int64, error) {
	pos, err := a.parse(fs, args, importsHelp, "ID")
	if err != nil {
		return nil, 0, err
	}
	id, err := importID(pos[0])
	if err != nil {
		return nil, 0, err
	}
	im, err := a.importer(ctx)
	return im, id, err
}

// importID parses the ID argument of an imports command.
func importID(arg string) (int64, error) {
	var id int64
	if _, err := fmt.Sscan(arg, &id); err != nil || id <= 0 {
		return 0, &usageError{msg: fmt.Sprintf("%q is not an import ID; `localcrm imports list` shows them", arg)}
	}
	return id, nil
}

func importsList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports list")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, importsHelp); err != nil {
		return err
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	imps, err := im.List(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		list := make([]any, 0, len(imps))
		for _, imp := range imps {
			s, err := im.Summarize(ctx, imp, 0)
			if err != nil {
				return err
			}
			list = append(list, s)
		}
		return writeIndented(a.stdout, list)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tFILE\tRECORDS\tCREATED\tUPDATED\tSKIPPED\tREJECTED\tSTARTED")
	for _, imp := range imps {
		c := imp.Counts
		started := ""
		if !imp.StartedAt.IsZero() {
			started = imp.StartedAt.Local().Format("2006-01-02 15:04")
		}
		status := string(imp.Status)
		if imp.Revert != nil {
			status += ", revert " + string(imp.Revert.Status)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s/%s\t%d\t%d\t%d\t%d\t%s\n", imp.ID, status, oneLine(imp.FileName),
			thousands(c.Records), thousands(imp.Total), c.Created, c.Updated, c.Skipped, c.Rejected, started)
	}
	return tw.Flush()
}

func importsShow(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports show")
	asJSON := fs.Bool("json", false, "")
	im, id, err := a.importArg(ctx, fs, args)
	if err != nil {
		return err
	}
	imp, err := im.Get(ctx, id)
	if err != nil {
		return err
	}
	s, err := im.Summarize(ctx, imp, -1)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeIndented(a.stdout, s)
	}
	w := a.stdout
	fmt.Fprintf(w, "Import %d: %s\n", s.ImportID, s.Status)
	if s.Sheet != "" {
		fmt.Fprintf(w, "  file       %s (%s bytes, Excel workbook, sheet %q, header on row %d)\n", oneLine(s.File), thousands(int(s.Size)), s.Sheet, s.HeaderLine)
	} else {
		fmt.Fprintf(w, "  file       %s (%s bytes, %s, %s, header on line %d)\n", oneLine(s.File), thousands(int(s.Size)), s.Encoding, s.Delimiter, s.HeaderLine)
	}
	fmt.Fprintf(w, "  records    %s of %s\n", thousands(s.Records), thousands(s.Total))
	fmt.Fprintf(w, "  created    %s\n  updated    %s\n  skipped    %s\n  rejected   %s\n  batches    %s\n",
		thousands(s.Created), thousands(s.Updated), thousands(s.Skipped), thousands(s.Rejected), thousands(s.Batches))
	fmt.Fprintf(w, "  duplicates %s, dates %s, batches of %d\n", s.OnDuplicate, s.DateFormat, s.BatchSize)
	if s.Error != "" {
		fmt.Fprintf(w, "  error      %s\n", oneLine(s.Error))
	}
	switch rv := s.Revert; {
	case imp.Resumable():
		fmt.Fprintf(w, "Resume it with `localcrm imports resume %d`.\n", id)
	case rv == nil:
	case rv.Status == crm.RevertCompleted:
		fmt.Fprintf(w, "  reverted   %s by %s: %s deleted, %s restored, %s kept\n", rv.FinishedAt.Local().Format("2006-01-02 15:04"),
			rv.CreatedBy, customers(rv.Deleted), thousands(rv.Restored), thousands(rv.Kept))
	default:
		fmt.Fprintf(w, "  revert     %s since %s, by %s; %s\n", rv.Status, rv.StartedAt.Local().Format("2006-01-02 15:04"), rv.CreatedBy, oneLine(rv.Error))
		fmt.Fprintf(w, "Go on with it: `localcrm imports revert %d`.\n", id)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "  %s\n", errorLine(e))
	}
	return nil
}

func importsResume(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports resume")
	var out importFlags
	out.register(fs)
	im, id, err := a.importArg(ctx, fs, args)
	if err != nil {
		return err
	}
	bar := a.progressBar(out.progress)
	imp, err := im.Resume(ctx, id, bar.update)
	bar.done()
	return a.finishImport(ctx, im, imp, err, out)
}

func importsCancel(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports cancel")
	im, id, err := a.importArg(ctx, fs, args)
	if err != nil {
		return err
	}
	imp, err := im.Cancel(ctx, id)
	if err != nil {
		return err
	}
	if imp.Status == crm.ImportRunning {
		fmt.Fprintf(a.stdout, "Import %d will stop after the batch in flight.\n", id)
	} else {
		fmt.Fprintf(a.stdout, "Import %d is cancelled.\n", id)
	}
	return nil
}

func importsReport(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports report")
	csvFile := fs.String("csv", "", "")
	rejects := fs.String("rejects", "", "")
	jsonFile := fs.String("json", "", "")
	revertFile := fs.String("revert", "", "")
	pos, err := a.parse(fs, args, importsHelp, "ID")
	if err != nil {
		return err
	}
	id, err := importID(pos[0])
	if err != nil {
		return err
	}
	if *csvFile == "" && *rejects == "" && *jsonFile == "" && *revertFile == "" {
		return &usageError{msg: "say what to write: --csv FILE, --rejects FILE, --json FILE or --revert FILE", usage: importsHelp}
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	if _, err := im.Get(ctx, id); err != nil {
		return err
	}
	for _, out := range []struct {
		path  string
		write func(context.Context, int64, io.Writer) error
	}{{*csvFile, im.WriteReport}, {*rejects, im.WriteRejects}, {*jsonFile, im.WriteSummary}, {*revertFile, im.WriteRevertReport}} {
		if out.path == "" {
			continue
		}
		if err := a.writeOut(out.path, func(w io.Writer) error { return out.write(ctx, id, w) }); err != nil {
			return err
		}
	}
	return nil
}

// keptShown is how many of the customers a revert keeps the command line
// lists; the revert's report has them all.
const keptShown = 20

func importsRevert(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports revert")
	dry := fs.Bool("dry-run", false, "")
	force := fs.Bool("force", false, "")
	asJSON := fs.Bool("json", false, "")
	im, id, err := a.importArg(ctx, fs, args)
	if err != nil {
		return err
	}
	if *dry {
		p, err := im.PreviewRevert(ctx, id, *force, keptShown)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeIndented(a.stdout, p)
		}
		c := p.Counts
		fmt.Fprintf(a.stdout, "Reverting import %d would delete %s, restore %s and keep %s (changed since the import)",
			id, customers(c.Deleted), thousands(c.Restored), thousands(c.Kept))
		a.printKept(c, p.Kept, p.KeptMore)
		forced := ""
		if *force {
			forced = " --force"
		}
		fmt.Fprintf(a.stdout, "Nothing has changed yet: run `localcrm imports revert %d%s` to revert it.\n", id, forced)
		return nil
	}
	rv, err := im.Revert(ctx, id, *force, nil)
	if err != nil {
		return err
	}
	kept, more, err := im.RevertItems(ctx, id, crm.RevertKept, keptShown)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeIndented(a.stdout, map[string]any{"revert": importer.SummarizeRevert(rv), "kept": kept, "kept_more": more})
	}
	c := rv.Counts
	fmt.Fprintf(a.stdout, "Import %d is reverted: %s deleted, %s restored, %s kept (changed since the import)",
		id, customers(c.Deleted), thousands(c.Restored), thousands(c.Kept))
	a.printKept(c, kept, more)
	fmt.Fprintf(a.stdout, "Its report: `localcrm imports report %d --revert FILE`.\n", id)
	return nil
}

// customers is "1 customer" or "n customers".
func customers(n int) string {
	if n == 1 {
		return "1 customer"
	}
	return thousands(n) + " customers"
}

// printKept ends a revert's first sentence (counts c) and lists the
// customers it keeps, with why: the first of them, and whether there are
// more.
func (a *app) printKept(c crm.RevertCounts, kept []crm.RevertItem, more bool) {
	if c.Missing > 0 {
		fmt.Fprintf(a.stdout, "; %s it touched were deleted since", thousands(c.Missing))
	}
	fmt.Fprintln(a.stdout, ".")
	if len(kept) == 0 {
		return
	}
	fmt.Fprintln(a.stdout, "Kept:")
	for _, item := range kept {
		fmt.Fprintf(a.stdout, "  customer %d: %s\n", item.AccountNumber, item.Reason)
	}
	if more {
		fmt.Fprintf(a.stdout, "  … and %s more; the revert's report lists them all.\n", thousands(c.Kept-len(kept)))
	}
}

func importsDelete(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("imports delete")
	im, id, err := a.importArg(ctx, fs, args)
	if err != nil {
		return err
	}
	return im.Delete(ctx, id)
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
