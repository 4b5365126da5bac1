package crm

import (
	"fmt"
	"time"
)

// RevertStatus is the state of an import's revert.
type RevertStatus string

// Revert statuses. A revert that stopped midway (its process died, or the
// server shut down) stays running until asked again, when it goes on from
// its last committed batch.
const (
	RevertRunning   RevertStatus = "running"
	RevertCompleted RevertStatus = "completed"
	RevertFailed    RevertStatus = "failed"
)

// Revert is the undoing of an import: the customers it created are deleted
// and those it updated get their values from before it back, except those
// changed since, which are kept (and, with Force, the updated ones are
// restored all the same). An import is reverted at most once.
type Revert struct {
	ImportID    int64
	Status      RevertStatus
	Force       bool
	Counts      RevertCounts
	Error       string // why it failed, for people
	CreatedBy   string
	Worker      string // which process runs it, while it runs
	StartedAt   time.Time
	FinishedAt  time.Time
	HeartbeatAt time.Time
}

// RevertRefusal tells why imp cannot be reverted now, for people, or ""
// when it can: it ran (or began to), it is not running now, and it has not
// been reverted already.
func RevertRefusal(imp *Import) string {
	if imp.Revert != nil && imp.Revert.Status == RevertCompleted {
		return fmt.Sprintf("Import %d was reverted on %s by %s; an import is reverted once.", imp.ID, imp.Revert.FinishedAt.Format("2006-01-02 15:04"), imp.Revert.CreatedBy)
	}
	switch imp.Status {
	case ImportCompleted, ImportCompletedWithErrors, ImportCancelled, ImportFailed:
		return ""
	case ImportPending:
		return fmt.Sprintf("Import %d never ran, so there is nothing to revert; delete it instead.", imp.ID)
	case ImportInterrupted:
		return fmt.Sprintf("Import %d was interrupted; resume it or cancel it first, then revert it.", imp.ID)
	}
	return fmt.Sprintf("Import %d is %s; wait for it to end, or cancel it, then revert it.", imp.ID, imp.Status)
}

// RevertCounts counts what a revert did, or would do, with the customers
// an import touched.
type RevertCounts struct {
	Deleted  int `json:"deleted"`  // created by the import, and deleted
	Restored int `json:"restored"` // updated by it, and given their values back
	Kept     int `json:"kept"`     // changed since the import, and left as they are
	Missing  int `json:"missing"`  // deleted since the import: nothing to do
}

// Add counts item.
func (c *RevertCounts) Add(item RevertItem) {
	switch item.Action {
	case RevertDeleted:
		c.Deleted++
	case RevertRestored:
		c.Restored++
	case RevertKept:
		c.Kept++
	case RevertMissing:
		c.Missing++
	}
}

// RevertAction is what a revert does to one customer.
type RevertAction string

// Revert actions.
const (
	RevertDeleted  RevertAction = "deleted"
	RevertRestored RevertAction = "restored"
	RevertKept     RevertAction = "kept"
	RevertMissing  RevertAction = "missing"
)

// RevertItem is what a revert did, or would do, to one customer, and why:
// a line of its report.
type RevertItem struct {
	Line          int          `json:"line"` // the import's line that created or updated the customer; 0 when not known
	AccountNumber int64        `json:"account_number"`
	Action        RevertAction `json:"action"`
	Reason        string       `json:"reason"`
}

// Touched is a customer an import created or updated, as it is now.
type Touched struct {
	AccountNumber int64
	Line          int  // the import's line that created or updated it; 0 when not known
	Created       bool // the import created it; otherwise it updated it
	Exists        bool // it has not been deleted since
	// ImportID and ImportLine say which import, and which line of its
	// file, changed the customer last: 0 for a change by hand.
	ImportID   int64
	ImportLine int
}

// DecideRevert decides what reverting import id does to t. A customer is
// "changed since" unless the import (for an update, its line) is still the
// last thing that changed it: people's edits clear that mark, and later
// imports put theirs.
func DecideRevert(id int64, t Touched, force bool) RevertItem {
	item := RevertItem{Line: t.Line, AccountNumber: t.AccountNumber}
	what := fmt.Sprintf("Updated by line %d", t.Line)
	if t.Created {
		what = "Created by the import"
		if t.Line != 0 {
			what = fmt.Sprintf("Created by line %d", t.Line)
		}
	}
	switch {
	case !t.Exists:
		item.Action, item.Reason = RevertMissing, what+", and deleted since: nothing to do"
		return item
	case t.ImportID == id && (t.Created || t.ImportLine == t.Line):
		item.Action, item.Reason = RevertDeleted, what
		if !t.Created {
			item.Action, item.Reason = RevertRestored, what+"; its values from before are back"
		}
		return item
	}
	since := "edited by hand"
	if t.ImportID != 0 {
		since = fmt.Sprintf("changed by import %d (line %d)", t.ImportID, t.ImportLine)
	}
	switch {
	case t.Created:
		item.Action, item.Reason = RevertKept, what+", then "+since+": kept. Delete it by hand if it should go."
	case force:
		item.Action, item.Reason = RevertRestored, what+", then "+since+": its values from before the import are back all the same (forced), and the later change is lost"
	default:
		item.Action, item.Reason = RevertKept, what+", then "+since+": kept as it is now. Revert with force to restore its values from before the import anyway."
	}
	return item
}

// EmailHeld is the item for a customer whose values from before the
// import cannot come back, because its email then now belongs to holder.
func EmailHeld(item RevertItem, email string, holder int64) RevertItem {
	item.Action = RevertKept
	item.Reason = fmt.Sprintf("Updated by line %d, but its email before the import, %s, now belongs to customer %d: kept as it is now. Change that customer's email, then edit this one by hand.", item.Line, email, holder)
	return item
}
