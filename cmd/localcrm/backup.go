package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"localcrm/internal/crm"
)

const backupUsage = `Usage: localcrm backup FILE

Writes the whole SQLite database, as it stands at one moment, to FILE, a
new file only you can read, while localcrm goes on serving: unlike a copy
of the database file, it is never caught halfway through a write. FILE
must not exist. Restore by stopping localcrm serve and putting FILE in
place of the database file. The uploaded files of imports not yet run
stay in the imports folder beside the database, not in FILE.

On PostgreSQL, use its own tools:
  pg_dump --format=custom --file FILE 'URL'
`

func runBackup(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("backup")
	pos, err := a.parse(fs, args, backupUsage, "FILE")
	if err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	if err := st.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fi, err := os.Stat(pos[0])
	if err != nil {
		return err
	}
	// A backup takes everything out, as an export does: it is on record.
	size := fmt.Sprintf("%.1f MB", float64(fi.Size())/(1<<20))
	target, _ := filepath.Abs(pos[0])
	if err := st.Audit(context.WithoutCancel(ctx), crm.AuditBackup, target, size+" of "+st.Path()); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "Backed up %s to %s (%s).\n", st.Path(), pos[0], size)
	return err
}
