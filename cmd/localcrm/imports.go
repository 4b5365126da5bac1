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
                                continue an interrupted or failed import from its last committed batch
  cancel ID                     stop an import after the batch in flight; what was committed stays
  report ID [--csv FILE] [--rejects FILE] [--json FILE]
                                write an import's report (every record), its rejected rows
                                (to fix and import again) or its JSON summary; FILE may be -
  delete ID                     delete an import's record and files (its customers stay)
`

func runImports(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, importsHelp, map[string]func(context.Context, *app, []string) error{
		"list":   importsList,
		"show":   importsShow,
		"resume": importsResume,
		"cancel": importsCancel,
		"report": importsReport,
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s/%s\t%d\t%d\t%d\t%d\t%s\n", imp.ID, imp.Status, oneLine(imp.FileName),
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
	fmt.Fprintf(w, "  file       %s (%s bytes, %s, %s, header on line %d)\n", oneLine(s.File), thousands(int(s.Size)), s.Encoding, s.Delimiter, s.HeaderLine)
	fmt.Fprintf(w, "  records    %s of %s\n", thousands(s.Records), thousands(s.Total))
	fmt.Fprintf(w, "  created    %s\n  updated    %s\n  skipped    %s\n  rejected   %s\n  batches    %s\n",
		thousands(s.Created), thousands(s.Updated), thousands(s.Skipped), thousands(s.Rejected), thousands(s.Batches))
	fmt.Fprintf(w, "  duplicates %s, dates %s, batches of %d\n", s.OnDuplicate, s.DateFormat, s.BatchSize)
	if s.Error != "" {
		fmt.Fprintf(w, "  error      %s\n", oneLine(s.Error))
	}
	if imp.Status.Resumable() {
		fmt.Fprintf(w, "Resume it with `localcrm imports resume %d`.\n", id)
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
	pos, err := a.parse(fs, args, importsHelp, "ID")
	if err != nil {
		return err
	}
	id, err := importID(pos[0])
	if err != nil {
		return err
	}
	if *csvFile == "" && *rejects == "" && *jsonFile == "" {
		return &usageError{msg: "say what to write: --csv FILE, --rejects FILE or --json FILE", usage: importsHelp}
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
	}{{*csvFile, im.WriteReport}, {*rejects, im.WriteRejects}, {*jsonFile, im.WriteSummary}} {
		if out.path == "" {
			continue
		}
		if err := a.writeOut(out.path, func(w io.Writer) error { return out.write(ctx, id, w) }); err != nil {
			return err
		}
	}
	return nil
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
