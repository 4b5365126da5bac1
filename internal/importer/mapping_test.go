package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestAutoMap checks the automatic mapping of common header names, one
// column at a time, and that every proposal says why it was made.
func TestAutoMap(t *testing.T) {
	sc := crm.NewSchema([]crm.Field{{Key: "loyalty_tier", Label: "Loyalty Tier", Type: crm.TypeText}}, nil)
	tests := []struct {
		header, want string // want "" means no proposal
	}{
		{"\ufeffE-mail", "email"},
		{"E-mail Address", "email"},
		{"Email", "email"},
		{"Surname", "last_name"},
		{"Given Name", "first_name"},
		{"first_name", "first_name"},
		{"Last Name", "last_name"},
		{"FIRST NAME", "first_name"},
		{"Organisation", "company"},
		{"Company Name", "company"},
		{"Telephone", "voice"},
		{"Work Phone", "voice"},
		{"Mobile", "alternative"},
		{"Cell", "alternative"},
		{"Fax", "fax"},
		{"Zip", "addr1_zip"},
		{"Postal Code", "addr1_zip"},
		{"Postcode", "addr1_zip"},
		{"Town", "addr1_city"},
		{"Province", "addr1_state"},
		{"Region", "addr1_state"},
		{"Country", "addr1_country"},
		{"Notes", "comments"},
		{"Description", "comments"},
		{"Street", "addr1_street1"},
		{"Address Line 1", "addr1_street1"},
		{"Address Line 2", "addr1_street2"},
		{"Secondary Address City", "addr2_city"},
		{"Account Number", "account_number"},
		{"Customer Type", "customer_type"},
		{"loyalty-tier", "loyalty_tier"},
		{"Loyalty Tier", "loyalty_tier"},
		{"Favourite Colour", ""},
		{"error", ""}, // the last column of a rejects file
		{"---", ""},
		// Run-together names, numbered groups, whole headers with a "/".
		{"MailingPostalCode", "addr1_zip"},
		{"MobilePhone", "alternative"},
		{"Business Street", "addr1_street1"},
		{"Sec Addr City", "addr2_city"},
		{"E-mail 1 - Value", "email"},
		{"Phone 2 - Value", "alternative"},
		{"Organization 1 - Name", "company"},
		{"Address 2 - Street", "addr2_street1"},
		{"Address 1 - Extended Address", "addr1_street2"},
		{"Country/Region", "addr1_country"},
		{"State/Province", "addr1_state"},
		{"Zip/Postal Code", "addr1_zip"},
		{"State or Province", "addr1_state"},
		// The original system's abbreviations.
		{"Acct No", "account_number"},
		{"Acct #", "account_number"},
		{"FName", "first_name"},
		{"LName", "last_name"},
		{"Co Name", "company"},
		{"Ph", "voice"},
		{"Alt Ph", "alternative"},
		{"Fax No", "fax"},
		{"Cmnts", "comments"},
		{"Cust Type", "customer_type"},
		{"Addr1 St1", "addr1_street1"},
		{"Addr2 Ctry", "addr2_country"},
		// Stray byte-order marks, read right or as Windows-1252, and doubled spaces.
		{"ï»¿Last  Name", "last_name"},
		{"Last\ufeff Name", "last_name"},
		{"E-mail  Address\ufeff", "email"},
		// Never mapped: IDs, flags, other emails, titles, whole names, dates,
		// later members of numbered groups, parts with no field.
		{"Record ID", ""},
		{"Id", ""},
		{"AccountId", ""},
		{"Contact ID", ""},
		{"Owner ID", ""},
		{"Email Opt Out", ""},
		{"E-mail Display Name", ""},
		{"E-mail Type", ""},
		{"Secondary Email", ""},
		{"Asst Phone", ""},
		{"Assistant's Phone", ""},
		{"Title", ""},
		{"Name", ""},
		{"Full Name", ""},
		{"Created Date", ""},
		{"E-mail 2 - Value", ""},
		{"E-mail 2 Address", ""},
		{"Phone 3 - Value", ""},
		{"Phone 1 - Type", ""},
		{"Address 3 - City", ""},
		{"Address 1 - PO Box", ""},
		{"Business Street 3", ""},
		{"Home Address", ""},
		{"TTY/TDD Phone", ""},
	}
	for _, tt := range tests {
		cols := ColumnNames([]string{tt.header})
		s := AutoMap(cols, sc)
		got := s.Mapping[cols[0]]
		if got != tt.want {
			t.Errorf("AutoMap(%q) maps it to %q, want %q", tt.header, got, tt.want)
		}
		if got != "" && s.Reasons[cols[0]] == "" {
			t.Errorf("AutoMap(%q) gives no reason", tt.header)
		}
		if got == "" && len(s.Reasons) != 0 {
			t.Errorf("AutoMap(%q) gives reasons %v for no mapping", tt.header, s.Reasons)
		}
	}
}

// TestAutoMapWholeHeader checks a whole header: each field is proposed once,
// for the column that matches it best (its key, then its label, then a
// synonym), and the first of equals.
func TestAutoMapWholeHeader(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	cols := ColumnNames([]string{"\ufeffE-mail", "Surname", "Given Name", "Telephone", "Work Phone", "Phone",
		"Mobile", "Cell", "Notes", "Comments", "Zip", "Postal Code", "first_name", "Organisation", "error"})
	s := AutoMap(cols, sc)
	want := map[string]string{
		"E-mail": "email", "Surname": "last_name", "first_name": "first_name", "Telephone": "voice",
		"Mobile": "alternative", "Comments": "comments", "Zip": "addr1_zip", "Organisation": "company",
	}
	if !maps.Equal(s.Mapping, want) {
		t.Errorf("AutoMap = %v\nwant %v", s.Mapping, want)
	}
	if got := s.Reasons["Surname"]; got != `"Surname" is a common name for Last Name` {
		t.Errorf("reason for Surname = %q", got)
	}
	if got := s.Reasons["first_name"]; got != `the column name matches the field key "first_name"` {
		t.Errorf("reason for first_name = %q", got)
	}
	if got := Unmapped(cols, s.Mapping); !slices.Equal(got, []string{"Given Name", "Work Phone", "Phone", "Cell", "Notes", "Postal Code"}) {
		t.Errorf("Unmapped = %q (the trailing error column is never listed)", got)
	}
}

// exportCase is one exporter's header row and the mapping a person would
// choose for it, written column by column before AutoMap was run on it.
type exportCase struct {
	file     string            // in testdata/exports
	mapped   map[string]string // column → the field a person would choose
	unmapped []string          // the columns a person would leave out
}

// exportCases are the header rows of real CRM exports (see
// testdata/exports/SOURCES.md). When a file has two address blocks, the
// first goes to the primary address and the second to the secondary one.
var exportCases = []exportCase{
	{
		file: "outlook.csv",
		mapped: map[string]string{
			"First Name": "first_name", "Last Name": "last_name", "Company": "company",
			"Business Street": "addr1_street1", "Business Street 2": "addr1_street2", "Business City": "addr1_city",
			"Business State": "addr1_state", "Business Postal Code": "addr1_zip", "Business Country/Region": "addr1_country",
			"Home Street": "addr2_street1", "Home Street 2": "addr2_street2", "Home City": "addr2_city",
			"Home State": "addr2_state", "Home Postal Code": "addr2_zip", "Home Country/Region": "addr2_country",
			"Business Fax": "fax", "Business Phone": "voice", "Mobile Phone": "alternative",
			"E-mail Address": "email", "Notes": "comments",
		},
		unmapped: []string{
			"Title", "Middle Name", "Suffix", "Department", "Job Title", "Business Street 3", "Home Street 3",
			"Other Street", "Other Street 2", "Other Street 3", "Other City", "Other State", "Other Postal Code",
			"Other Country/Region", "Assistant's Phone", "Business Phone 2", "Callback", "Car Phone",
			"Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Other Fax", "Other Phone",
			"Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account", "Anniversary",
			"Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories",
			"Children", "Directory Server", "E-mail Type", "E-mail Display Name", "E-mail 2 Address",
			"E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
			"Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy",
			"Keywords", "Language", "Location", "Manager's Name", "Mileage", "Office Location",
			"Organizational ID Number", "Other Address PO Box", "Priority", "Private", "Profession", "Referred By",
			"Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page",
		},
	},
	{
		file: "google_contacts_legacy.csv",
		mapped: map[string]string{
			"Given Name": "first_name", "Family Name": "last_name", "Notes": "comments",
			"E-mail 1 - Value": "email", "Phone 1 - Value": "voice", "Phone 2 - Value": "alternative",
			"Address 1 - Street": "addr1_street1", "Address 1 - City": "addr1_city", "Address 1 - Region": "addr1_state",
			"Address 1 - Postal Code": "addr1_zip", "Address 1 - Country": "addr1_country",
			"Address 1 - Extended Address": "addr1_street2", "Organization 1 - Name": "company",
		},
		unmapped: []string{
			"Name", "Additional Name", "Yomi Name", "Given Name Yomi", "Additional Name Yomi", "Family Name Yomi",
			"Name Prefix", "Name Suffix", "Initials", "Nickname", "Short Name", "Maiden Name", "Birthday", "Gender",
			"Location", "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby", "Sensitivity",
			"Priority", "Subject", "Language", "Photo", "Group Membership", "E-mail 1 - Type", "E-mail 2 - Type",
			"E-mail 2 - Value", "Phone 1 - Type", "Phone 2 - Type", "Address 1 - Type", "Address 1 - Formatted",
			"Address 1 - PO Box", "Organization 1 - Type", "Organization 1 - Yomi Name", "Organization 1 - Title",
			"Organization 1 - Department", "Organization 1 - Symbol", "Organization 1 - Location",
			"Organization 1 - Job Description", "Website 1 - Type", "Website 1 - Value",
		},
	},
	{
		file: "google_contacts.csv",
		mapped: map[string]string{
			"First Name": "first_name", "Last Name": "last_name", "Organization Name": "company", "Notes": "comments",
			"E-mail 1 - Value": "email", "Phone 1 - Value": "voice", "Phone 2 - Value": "alternative",
			"Address 1 - Street": "addr1_street1", "Address 1 - City": "addr1_city", "Address 1 - Region": "addr1_state",
			"Address 1 - Postal Code": "addr1_zip", "Address 1 - Country": "addr1_country",
			"Address 1 - Extended Address": "addr1_street2", "Address 2 - Street": "addr2_street1",
			"Address 2 - City": "addr2_city", "Address 2 - Region": "addr2_state",
			"Address 2 - Postal Code": "addr2_zip", "Address 2 - Country": "addr2_country",
			"Address 2 - Extended Address": "addr2_street2",
		},
		unmapped: []string{
			"Middle Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name", "Name Prefix",
			"Name Suffix", "Nickname", "File As", "Organization Title", "Organization Department", "Birthday", "Photo",
			"Labels", "E-mail 1 - Label", "E-mail 2 - Label", "E-mail 2 - Value", "Phone 1 - Label", "Phone 2 - Label",
			"Phone 3 - Label", "Phone 3 - Value", "Address 1 - Label", "Address 1 - Formatted", "Address 1 - PO Box",
			"Address 2 - Label", "Address 2 - Formatted", "Address 2 - PO Box", "Address 3 - Label",
			"Address 3 - Formatted", "Address 3 - Street", "Address 3 - City", "Address 3 - PO Box",
			"Address 3 - Region", "Address 3 - Postal Code", "Address 3 - Country", "Address 3 - Extended Address",
			"Website 1 - Label", "Website 1 - Value",
		},
	},
	{
		file: "hubspot.csv",
		mapped: map[string]string{
			"First Name": "first_name", "Last Name": "last_name", "Email": "email", "Phone Number": "voice",
			"Mobile Phone Number": "alternative", "Company Name": "company", "Street Address": "addr1_street1",
			"City": "addr1_city", "State/Region": "addr1_state", "Postal Code": "addr1_zip",
			"Country/Region": "addr1_country", "Fax Number": "fax",
		},
		unmapped: []string{
			"Record ID", "Job Title", "Lifecycle Stage", "Lead Status", "Contact owner", "Create Date",
			"Last Activity Date", "Marketing contact status", "Website URL",
		},
	},
	{
		file: "salesforce_dataloader.csv",
		mapped: map[string]string{
			"LastName": "last_name", "FirstName": "first_name",
			// Data Loader writes the Other address first: it is the file's first block.
			"OtherStreet": "addr1_street1", "OtherCity": "addr1_city", "OtherState": "addr1_state",
			"OtherPostalCode": "addr1_zip", "OtherCountry": "addr1_country",
			"MailingStreet": "addr2_street1", "MailingCity": "addr2_city", "MailingState": "addr2_state",
			"MailingPostalCode": "addr2_zip", "MailingCountry": "addr2_country",
			"Phone": "voice", "Fax": "fax", "MobilePhone": "alternative", "Email": "email", "Description": "comments",
		},
		unmapped: []string{
			"Id", "IsDeleted", "MasterRecordId", "AccountId", "Salutation", "Name", "OtherLatitude", "OtherLongitude",
			"OtherGeocodeAccuracy", "OtherAddress", "MailingLatitude", "MailingLongitude", "MailingGeocodeAccuracy",
			"MailingAddress", "HomePhone", "OtherPhone", "AssistantPhone", "ReportsToId", "Title", "Department",
			"AssistantName", "LeadSource", "Birthdate", "OwnerId", "HasOptedOutOfEmail", "HasOptedOutOfFax",
			"DoNotCall", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp",
			"LastActivityDate", "EmailBouncedReason", "EmailBouncedDate", "IndividualId",
		},
	},
	{
		file: "salesforce_report.csv",
		mapped: map[string]string{
			"First Name": "first_name", "Last Name": "last_name", "Mailing Street": "addr1_street1",
			"Mailing City": "addr1_city", "Mailing State/Province": "addr1_state", "Mailing Zip/Postal Code": "addr1_zip",
			"Mailing Country": "addr1_country", "Phone": "voice", "Mobile": "alternative", "Fax": "fax",
			"Email": "email", "Account Name": "company", "Description": "comments",
		},
		unmapped: []string{
			"Contact ID", "Salutation", "Title", "Account Owner", "Lead Source", "Birthdate", "Created Date",
			"Last Modified Date",
		},
	},
	{
		file: "zoho.csv",
		mapped: map[string]string{
			"First Name": "first_name", "Last Name": "last_name", "Account Name": "company", "Email": "email",
			"Phone": "voice", "Fax": "fax", "Mobile": "alternative",
			"Mailing Street": "addr1_street1", "Mailing City": "addr1_city", "Mailing State": "addr1_state",
			"Mailing Zip": "addr1_zip", "Mailing Country": "addr1_country",
			"Other Street": "addr2_street1", "Other City": "addr2_city", "Other State": "addr2_state",
			"Other Zip": "addr2_zip", "Other Country": "addr2_country", "Description": "comments",
		},
		unmapped: []string{
			"Record Id", "Contact Owner", "Lead Source", "Vendor Name", "Title", "Department", "Home Phone",
			"Other Phone", "Date of Birth", "Assistant", "Asst Phone", "Reports To", "Email Opt Out", "Created By",
			"Modified By", "Created Time", "Modified Time", "Full Name", "Salutation", "Secondary Email", "Skype ID",
			"Twitter", "Last Activity Time", "Tag",
		},
	},
	{
		file: "original_system.csv",
		mapped: map[string]string{
			"Acct No": "account_number", "FName": "first_name", "LName": "last_name", "E-mail": "email",
			"Co Name": "company", "Ph": "voice", "Alt Ph": "alternative", "Fax No": "fax", "Cmnts": "comments",
			"Cust Type": "customer_type",
			"Addr1 St1": "addr1_street1", "Addr1 St2": "addr1_street2", "Addr1 City": "addr1_city",
			"Addr1 State": "addr1_state", "Addr1 Zip": "addr1_zip", "Addr1 Ctry": "addr1_country",
			"Addr2 St1": "addr2_street1", "Addr2 St2": "addr2_street2", "Addr2 City": "addr2_city",
			"Addr2 State": "addr2_state", "Addr2 Zip": "addr2_zip", "Addr2 Ctry": "addr2_country",
		},
		unmapped: []string{"Agent ID", "Created Dt", "Last Call Dt"},
	},
	{
		file: "stray_bom.csv",
		mapped: map[string]string{
			"ï»¿First  Name": "first_name", "Last  Name": "last_name", "E-mail  Address": "email",
			"Company\ufeff": "company", "Phone  Number": "voice", "Mobile": "alternative",
			"Billing  Street": "addr1_street1", "Billing  City": "addr1_city", "Billing  State/Province": "addr1_state",
			"Billing  Zip/Postal  Code": "addr1_zip", "Billing  Country": "addr1_country",
			"Shipping  Street": "addr2_street1", "Shipping  City": "addr2_city", "Shipping  State/Province": "addr2_state",
			"Ship\ufeffping  Zip/Postal  Code": "addr2_zip", "Shipping  Country": "addr2_country", "Notes": "comments",
		},
		unmapped: []string{"Record  ID"},
	},
}

// fixtureHeader reads the header row of a fixture in testdata/exports and names
// its columns as an import does.
func fixtureHeader(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "exports", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return ColumnNames(header)
}

// TestAutoMapExports maps the header rows of real CRM exports and compares
// each column with a person's choice: no column may be mapped otherwise, and
// at least 95 % of the columns a person maps must be mapped the same.
func TestAutoMapExports(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	agreed, total := 0, 0
	for _, ec := range exportCases {
		t.Run(ec.file, func(t *testing.T) {
			cols := fixtureHeader(t, ec.file)
			listed := slices.Concat(slices.Collect(maps.Keys(ec.mapped)), ec.unmapped)
			if slices.Sort(listed); !slices.Equal(listed, slices.Sorted(slices.Values(cols))) {
				t.Fatalf("the person's choices do not list each column once:\nlisted  %q\ncolumns %q", listed, slices.Sorted(slices.Values(cols)))
			}
			s := AutoMap(cols, sc)
			for _, col := range cols {
				got, want := s.Mapping[col], ec.mapped[col]
				switch {
				case got != "" && got != want:
					t.Errorf("%q is mapped to %q (%s); a person would choose %q", col, got, s.Reasons[col], want)
				case want != "" && got == want:
					agreed++
				case want != "":
					t.Logf("%q is not mapped; a person would choose %q", col, want)
				}
				if want != "" {
					total++
				}
				if got != "" && s.Reasons[col] == "" {
					t.Errorf("%q is mapped to %q without a reason", col, got)
				}
				if _, ok := s.Choices[col]; ok && got != "" {
					t.Errorf("%q is both mapped and left to choose", col)
				}
			}
		})
	}
	share := float64(agreed) / float64(total)
	t.Logf("%d of the %d columns a person maps are mapped the same (%.1f %%)", agreed, total, 100*share)
	if share < 0.95 {
		t.Errorf("only %.1f %% of the columns a person maps are mapped the same; want at least 95 %%", 100*share)
	}
}

// TestAutoMapChoices checks that a column fitting two fields equally is left
// for the user, with both fields suggested and a reason.
func TestAutoMapChoices(t *testing.T) {
	sc := crm.NewSchema([]crm.Field{{Key: "cell_line", Label: "Mobile", Type: crm.TypeText}}, nil)
	tests := []struct {
		header string
		want   []string
		reason string
	}{
		{"Phone/Fax", []string{"voice", "fax"}, `"Phone/Fax" could be Voice or Fax: choose one`},
		{"Tel or Fax", []string{"voice", "fax"}, `"Tel or Fax" could be Voice or Fax: choose one`},
		// A custom field whose label is a common name of a standard field.
		{"Mobile", []string{"alternative", "cell_line"}, `"Mobile" could be Alternative or Mobile: choose one`},
	}
	for _, tt := range tests {
		s := AutoMap([]string{tt.header, "Fax Number"}, sc)
		if key, ok := s.Mapping[tt.header]; ok {
			t.Errorf("%q is mapped to %q; want it left to choose", tt.header, key)
		}
		if got := s.Choices[tt.header]; !slices.Equal(got, tt.want) {
			t.Errorf("choices for %q = %q, want %q", tt.header, got, tt.want)
		}
		if got := s.Reasons[tt.header]; got != tt.reason {
			t.Errorf("reason for %q = %q, want %q", tt.header, got, tt.reason)
		}
		if s.Mapping["Fax Number"] != "fax" {
			t.Errorf("a column left to choose kept Fax from %q: %v", "Fax Number", s.Mapping)
		}
	}
}

// TestAutoMapAddressBlocks checks which address each block of a file goes
// to: named blocks in the order they first appear, primary then secondary,
// around the slots other columns name outright; a third block is left out.
func TestAutoMapAddressBlocks(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	tests := []struct {
		name    string
		columns []string
		want    map[string]string
	}{
		{"first block is primary even when it is Other (Salesforce Data Loader)",
			[]string{"Id", "OtherStreet", "OtherCity", "MailingStreet", "MailingCity", "Phone"},
			map[string]string{"OtherStreet": "addr1_street1", "OtherCity": "addr1_city",
				"MailingStreet": "addr2_street1", "MailingCity": "addr2_city", "Phone": "voice"}},
		{"interleaved blocks (Zoho)",
			[]string{"Mailing Street", "Other Street", "Mailing City", "Other City"},
			map[string]string{"Mailing Street": "addr1_street1", "Other Street": "addr2_street1",
				"Mailing City": "addr1_city", "Other City": "addr2_city"}},
		{"a third block is left unmapped",
			[]string{"Business City", "Home City", "Other City", "Other Street", "Business Street"},
			map[string]string{"Business City": "addr1_city", "Home City": "addr2_city", "Business Street": "addr1_street1"}},
		{"an explicit Address 1 leaves the secondary address to a named block",
			[]string{"Shipping City", "Address 1 - City", "Address 1 - Street"},
			map[string]string{"Shipping City": "addr2_city", "Address 1 - City": "addr1_city", "Address 1 - Street": "addr1_street1"}},
		{"an explicit secondary address leaves the primary one to a named block",
			[]string{"Secondary Address City", "Billing City"},
			map[string]string{"Secondary Address City": "addr2_city", "Billing City": "addr1_city"}},
		{"a street without a block word is the primary address",
			[]string{"Shipping Street", "Shipping City", "Street", "City"},
			map[string]string{"Shipping Street": "addr2_street1", "Shipping City": "addr2_city",
				"Street": "addr1_street1", "City": "addr1_city"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := AutoMap(tt.columns, sc)
			if !maps.Equal(s.Mapping, tt.want) {
				t.Errorf("AutoMap(%q) = %v\nwant %v", tt.columns, s.Mapping, tt.want)
			}
		})
	}
	s := AutoMap([]string{"OtherStreet", "Home City", "E-mail 1 - Value", "Phone 2 - Value"}, sc)
	maps.Copy(s.Reasons, AutoMap([]string{"Address 2 - Region"}, sc).Reasons)
	for col, want := range map[string]string{
		"OtherStreet":        `"OtherStreet" is the street of the file's first address block (Other), so Primary Address Street 1`,
		"Home City":          `"Home City" is the city of the file's second address block (Home), so Secondary Address City`,
		"Address 2 - Region": `"Address 2 - Region" is the state of address block 2, so Secondary Address State`,
		"E-mail 1 - Value":   `"E-mail 1 - Value" is the first email of a numbered group, so Email`,
		"Phone 2 - Value":    `"Phone 2 - Value" is the second phone of a numbered group, so Alternative`,
	} {
		if got := s.Reasons[col]; got != want {
			t.Errorf("reason for %q = %q\nwant %q", col, got, want)
		}
	}
}

// TestAutoMapTables checks the tables AutoMap reads headers with: every
// name leads to a standard field, and no two names that read alike lead to
// different fields.
func TestAutoMapTables(t *testing.T) {
	seen := map[string]string{} // joined words → field key
	for _, table := range []map[string]string{synonyms, fallbacks} {
		for phrase, key := range table {
			if !crm.IsStandardKey(key) {
				t.Errorf("%q leads to %q, which is not a standard field", phrase, key)
			}
			k := joined(readHeader(phrase).words)
			if other, ok := seen[k]; ok && other != key {
				t.Errorf("%q reads as %q, which leads to both %q and %q", phrase, k, other, key)
			}
			seen[k] = key
		}
	}
	for phrase, part := range addressParts {
		if !crm.IsStandardKey("addr1_"+part) || partNames[part] == "" {
			t.Errorf("address part %q leads to %q, which is not an address field with a name", phrase, part)
		}
	}
	for w := range blockWords {
		if addressParts[w] != "" || abbreviations[w] != "" {
			t.Errorf("block word %q is also an address part or an abbreviation", w)
		}
	}
}

// TestColumnNames checks that every column gets a unique name to map by.
func TestColumnNames(t *testing.T) {
	tests := []struct {
		header, want []string
	}{
		{[]string{"\ufeffEmail", " Name ", ""}, []string{"Email", "Name", "column 3"}},
		{[]string{"a", "a", "", "a"}, []string{"a", "column 2", "column 3", "column 4"}},
		{[]string{"", ""}, []string{"column 1", "column 2"}},
		{[]string{"column 2", ""}, []string{"column 2", "column 2 (2)"}},
		{[]string{"", "column 1"}, []string{"column 1", "column 2"}},
		{[]string{"Email", "email"}, []string{"Email", "email"}},
	}
	for _, tt := range tests {
		got := ColumnNames(tt.header)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ColumnNames(%q) = %q, want %q", tt.header, got, tt.want)
		}
		seen := map[string]bool{}
		for _, c := range got {
			if seen[c] {
				t.Errorf("ColumnNames(%q) names two columns %q", tt.header, c)
			}
			seen[c] = true
		}
	}
}

// TestCheckMapping checks each refusal of a mapping and its message.
func TestCheckMapping(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	cols := []string{"First", "Last", "Mail", "Phone", "Mobile"}
	tests := []struct {
		name    string
		mapping map[string]string
		policy  crm.DuplicatePolicy
		want    []crm.Problem // nil: accepted
	}{
		{"good", map[string]string{"First": "first_name", "Last": "last_name", "Mail": "email", "Phone": ""}, crm.DuplicateReject, nil},
		{"unknown column", map[string]string{"First": "first_name", "Last": "last_name", "Fax": "fax"}, crm.DuplicateReject, []crm.Problem{
			{Field: "mapping", Value: "Fax", Message: `The mapping names the column "Fax", which the file does not have; its columns are: First, Last, Mail, Phone, Mobile.`},
		}},
		{"unknown field", map[string]string{"First": "first_name", "Last": "last_name", "Mail": "e_mail"}, crm.DuplicateReject, []crm.Problem{
			{Field: "mapping", Value: "e_mail", Message: `The column "Mail" is mapped to "e_mail", which is not a field; see the fields with ` + "`localcrm fields list`."},
		}},
		{"two columns to one field", map[string]string{"First": "first_name", "Last": "last_name", "Phone": "voice", "Mobile": "voice"}, crm.DuplicateReject, []crm.Problem{
			{Field: "mapping", Value: "voice", Message: `The columns "Phone" and "Mobile" are both mapped to voice; map one column to each field.`},
		}},
		{"names unmapped", map[string]string{"Mail": "email"}, crm.DuplicateReject, []crm.Problem{
			{Field: "first_name", Message: "First Name is not mapped to any column; map the column that holds it (every new customer needs a First Name)."},
			{Field: "last_name", Message: "Last Name is not mapped to any column; map the column that holds it (every new customer needs a Last Name)."},
		}},
		{"last name unmapped under skip", map[string]string{"First": "first_name", "Mail": "email"}, crm.DuplicateSkip, []crm.Problem{
			{Field: "last_name", Message: "Last Name is not mapped to any column; map the column that holds it (every new customer needs a Last Name)."},
		}},
		{"update by email without names", map[string]string{"Mail": "email", "Phone": "voice"}, crm.DuplicateUpdate, nil},
		{"update by account without names", map[string]string{"First": "account_number", "Phone": "voice"}, crm.DuplicateUpdate, nil},
		{"update without a key", map[string]string{"Phone": "voice"}, crm.DuplicateUpdate, []crm.Problem{
			{Field: "first_name", Message: "First Name is not mapped to any column; map the column that holds it (every new customer needs a First Name)."},
			{Field: "last_name", Message: "Last Name is not mapped to any column; map the column that holds it (every new customer needs a Last Name)."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := maps.Clone(tt.mapping)
			err := CheckMapping(cols, m, sc, tt.policy)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				for col, key := range m {
					if key == "" {
						t.Errorf("empty entry for %q left in the mapping", col)
					}
				}
				return
			}
			var v *crm.ValidationError
			if !errors.As(err, &v) || !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("err = %v, want a *crm.ValidationError", err)
			}
			if !slices.Equal(v.Problems, tt.want) {
				t.Errorf("problems:\n%+v\nwant\n%+v", v.Problems, tt.want)
			}
		})
	}
}

// TestConfigureRefusesBadMappings checks that Configure applies
// CheckMapping and leaves the import as it was.
func TestConfigureRefusesBadMappings(t *testing.T) {
	e := newEnv(t)
	p := e.create("m.csv", []byte("Given Name,Surname,Mail\nA,B,a@example.com\n"))
	if want := map[string]string{"Given Name": "first_name", "Surname": "last_name", "Mail": "email"}; !maps.Equal(p.Suggestion.Mapping, want) {
		t.Errorf("suggestion = %v, want %v", p.Suggestion.Mapping, want)
	}
	if !maps.Equal(p.Import.Options.Mapping, p.Suggestion.Mapping) {
		t.Errorf("a new import's mapping is %v, not the suggestion", p.Import.Options.Mapping)
	}
	_, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: map[string]string{"Mail": "email"}})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("Configure without names: %v", err)
	}
	_, err = e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping, BatchSize: -1})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("Configure with batch size -1: %v", err)
	}
	imp, err := e.im.Get(e.ctx, p.Import.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(imp.Options.Mapping, p.Suggestion.Mapping) || imp.Options.BatchSize != crm.DefaultBatchSize {
		t.Errorf("a refused Configure changed the import: %+v", imp.Options)
	}
	// Once started, an import can no longer be configured.
	if _, err := e.im.Start(e.ctx, p.Import.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Configure after Start: %v", err)
	}
}

// TestCheckMappingBounded: what a mapping check costs and says is bounded by
// the file's header, whatever a request sends. Before, 300 unknown columns
// over a 20,000-column header made a 48 MB message (each problem listed the
// whole header), and the check compared every entry with every column.
func TestCheckMappingBounded(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	columns := make([]string, 20000)
	for i := range columns {
		columns[i] = fmt.Sprintf("column number %d", i)
	}
	mapping := map[string]string{"column number 0": "first_name", "column number 1": "last_name"}
	for i := range 300 {
		mapping[fmt.Sprintf("no such column %d", i)] = "email"
	}
	err := CheckMapping(columns, mapping, sc, crm.DuplicateReject)
	var ve *crm.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 300 {
		t.Fatalf("300 unknown columns: %v", err)
	}
	if n := len(err.Error()); n > 300*400 {
		t.Errorf("the message is %d bytes for 300 problems", n)
	}
	if !strings.Contains(ve.Problems[0].Message, "its 20000 columns begin with: column number 0, column number 1,") {
		t.Errorf("message %q", ve.Problems[0].Message)
	}

	// More entries than the file has columns: one problem, at once.
	big := map[string]string{}
	for i := range 50 {
		big[fmt.Sprint(i)] = "email"
	}
	ps := problemsOf(t, CheckMapping([]string{"a", "b"}, big, sc, crm.DuplicateReject))
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "The mapping has 50 entries, but the file has only 2 columns") {
		t.Errorf("50 entries for 2 columns: %+v", ps)
	}
}

func problemsOf(t *testing.T, err error) []crm.Problem {
	t.Helper()
	var ve *crm.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a *crm.ValidationError", err)
	}
	return ve.Problems
}
