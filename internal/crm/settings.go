package crm

// Settings are what an admin sets for the whole customer file, beside the
// fields.
type Settings struct {
	// DefaultCountry reads phone numbers written without a country code:
	// a region code such as "GB", or "" for none (such numbers are then
	// kept as written, with no international form).
	DefaultCountry string `json:"default_country"`
}

// AuditSettingsChanged is the audit log's action for a change of Settings.
const AuditSettingsChanged AuditAction = "settings-changed"
