package web

import (
	"io/fs"
	"net/http"

	"localcrm/internal/crm"
)

// route is one address of the site and the least role that may use it.
type route struct {
	pattern string
	need    crm.Role
	handler http.Handler
}

// anyone is the "role" of routes open to callers who have not signed in:
// the sign-in and setup pages, and the static files they use.
const anyone crm.Role = ""

// routeTable declares every route of the site, the API's and the pages',
// each with the least role it needs. New registers exactly these and
// require checks the role, so a route cannot exist without its entry; one
// test walks the table with every role.
//
// API handlers return their error (apiError writes it); state-changing
// page forms redirect to a GET (Post/Redirect/Get) unless they re-render a
// form with its errors. Both refuse cross-site changes.
func (h *Handler) routeTable(p *pages) []route {
	csrf := http.NewCrossOriginProtection()
	api := func(fn apiHandlerFunc) http.Handler { return h.apiHandler(csrf, fn) }
	page := func(fn http.HandlerFunc) http.Handler { return fn }
	form := func(fn http.HandlerFunc) http.Handler { return csrf.Handler(fn) }
	static, _ := fs.Sub(staticFiles, "static")

	const (
		viewer  = crm.RoleViewer
		agent   = crm.RoleAgent
		manager = crm.RoleManager
		admin   = crm.RoleAdmin
	)
	return []route{
		// api_customers.go
		{"GET /api/v1/customers", viewer, api(h.apiCustomerList)},
		{"POST /api/v1/customers", agent, api(h.apiCustomerCreate)},
		{"GET /api/v1/customers/{account_number}", viewer, api(h.apiCustomerGet)},
		{"PUT /api/v1/customers/{account_number}", agent, api(h.apiCustomerUpdate)},
		{"DELETE /api/v1/customers/{account_number}", manager, api(h.apiCustomerDelete)},
		{"GET /api/v1/customers/export", manager, api(h.apiCustomerExport)},

		// api_lookup.go
		{"GET /api/v1/customers/lookup", viewer, api(h.apiCustomerLookup)},

		// api_settings.go
		{"GET /api/v1/settings", viewer, api(h.apiSettingsGet)},
		{"PUT /api/v1/settings", admin, api(h.apiSettingsUpdate)},

		// api_fields.go
		{"GET /api/v1/fields", viewer, api(h.apiFieldList)},
		{"POST /api/v1/fields", admin, api(h.apiFieldCreate)},
		{"PUT /api/v1/fields/{name}", admin, api(h.apiFieldUpdate)},
		{"DELETE /api/v1/fields/{name}", admin, api(h.apiFieldDelete)},

		// api_imports.go and api_events.go
		{"GET /api/v1/imports", manager, api(h.apiImportList)},
		{"POST /api/v1/imports", manager, api(h.apiImportUpload)},
		{"GET /api/v1/imports/{id}", manager, api(h.apiImportShow)},
		{"DELETE /api/v1/imports/{id}", manager, api(h.apiImportDelete)},
		{"PUT /api/v1/imports/{id}/mapping", manager, api(h.apiImportMapping)},
		{"POST /api/v1/imports/{id}/dry-run", manager, api(h.apiImportDryRun)},
		{"GET /api/v1/imports/{id}/dry-run/rejects.csv", manager, api(h.apiImportDryRunRejects)},
		{"GET /api/v1/imports/{id}/values", manager, api(h.apiImportValues)},
		{"POST /api/v1/imports/{id}/start", manager, api(h.apiImportStart)},
		{"POST /api/v1/imports/{id}/cancel", manager, api(h.apiImportCancel)},
		{"POST /api/v1/imports/{id}/resume", manager, api(h.apiImportResume)},
		{"GET /api/v1/imports/{id}/report.csv", manager, api(h.apiImportReportCSV)},
		{"GET /api/v1/imports/{id}/rejects.csv", manager, api(h.apiImportRejectsCSV)},
		{"GET /api/v1/imports/{id}/report.json", manager, api(h.apiImportReportJSON)},
		{"GET /api/v1/imports/{id}/events", manager, api(h.apiImportEvents)},
		{"POST /api/v1/imports/{id}/revert", manager, api(h.apiImportRevert)},
		{"GET /api/v1/imports/{id}/revert.csv", manager, api(h.apiImportRevertCSV)},

		// api_templates.go
		{"GET /api/v1/templates", manager, api(h.apiTemplateList)},
		{"POST /api/v1/templates", manager, api(h.apiTemplateSave)},
		{"DELETE /api/v1/templates/{name}", manager, api(h.apiTemplateDelete)},
		{"POST /api/v1/imports/{id}/template", manager, api(h.apiImportTemplate)},

		// api_audit.go
		{"GET /api/v1/audit", admin, api(h.apiAuditList)},

		// Anything else under /api/v1/ gets a JSON error, not the mux's text.
		{"/api/v1/", viewer, api(h.apiNoRoute)},

		// health.go: for load balancers, open to all.
		{"GET " + healthPath, anyone, page(h.health)},

		// page_signin.go: the ways in, open to all.
		{"GET /static/", anyone, http.StripPrefix("/static/", http.FileServerFS(static))},
		{"GET /{$}", anyone, page(p.home)},
		{"GET /signin", anyone, page(p.signinForm)},
		{"POST /signin", anyone, form(p.signin)},
		{"POST /signout", viewer, form(p.signout)},
		{"GET /password", viewer, page(p.passwordForm)},
		{"POST /password", viewer, form(p.passwordChange)},
		{"GET /setup", anyone, page(p.setupForm)},
		{"POST /setup", anyone, form(p.setup)},

		// page_customers.go
		{"GET /customers", viewer, page(p.customerList)},
		{"GET /customers/new", agent, page(p.customerNew)},
		{"POST /customers", agent, form(p.customerCreate)},
		{"GET /customers/{account}", viewer, page(p.customerShow)},
		{"POST /customers/{account}", agent, form(p.customerUpdate)},
		{"GET /customers/{account}/delete", manager, page(p.customerDeleteConfirm)},
		{"POST /customers/{account}/delete", manager, form(p.customerDelete)},

		// page_fields.go
		{"GET /fields", viewer, page(p.fieldList)},
		{"GET /fields/new", admin, page(p.fieldNew)},
		{"POST /fields", admin, form(p.fieldCreate)},
		{"GET /fields/{name}", admin, page(p.fieldEdit)},
		{"POST /fields/{name}", admin, form(p.fieldUpdate)},
		{"POST /fields/{name}/values", admin, form(p.fieldValues)},
		{"GET /fields/{name}/delete", admin, page(p.fieldDeleteConfirm)},
		{"POST /fields/{name}/delete", admin, form(p.fieldDelete)},

		// page_settings.go
		{"POST /settings", admin, form(p.settingsUpdate)},

		// page_imports.go
		{"GET /imports", manager, page(p.importList)},
		{"GET /imports/new", manager, page(p.importWizard)},
		{"GET /imports/{id}", manager, page(p.importShow)},
		{"GET /imports/{id}/cancel", manager, page(p.importCancelConfirm)},
		{"POST /imports/{id}/cancel", manager, form(p.importCancel)},
		{"POST /imports/{id}/resume", manager, form(p.importResume)},
		{"GET /imports/{id}/revert", manager, page(p.importRevertConfirm)},
		{"POST /imports/{id}/revert", manager, form(p.importRevert)},
		{"GET /imports/{id}/delete", manager, page(p.importDeleteConfirm)},
		{"POST /imports/{id}/delete", manager, form(p.importDelete)},

		// page_users.go
		{"GET /users", admin, page(p.userList)},
		{"POST /users", admin, form(p.userCreate)},
		{"POST /users/{name}", admin, form(p.userChange)},

		// page_tokens.go
		{"GET /tokens", admin, page(p.tokenList)},
		{"POST /tokens", admin, form(p.tokenCreate)},
		{"POST /tokens/{id}/revoke", admin, form(p.tokenRevoke)},

		// page_audit.go
		{"GET /audit", admin, page(p.auditList)},
	}
}
