package crm_test

import (
	"maps"
	"testing"

	"localcrm/internal/crm"
)

// BenchmarkValidate measures Schema.Validate of one realistic record, the
// work the importer does for every row of a file. A regression here costs
// every import in proportion to its size.
func BenchmarkValidate(b *testing.B) {
	custom := []crm.Field{
		{Key: "birthday", Label: "Birthday", Type: crm.TypeDate},
		{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver", "Bronze"}},
	}
	for i := range custom {
		if err := custom[i].ValidateDefinition(); err != nil {
			b.Fatal(err)
		}
	}
	sc := crm.NewSchema(custom, []string{"Default", "Wholesale", "Retail"})
	// As a CSV row gives them: untrimmed cells, a date in the default
	// format, picklist values in another case than the field's.
	record := map[string]string{
		"first_name":    " Zoë ",
		"last_name":     "Łukasiewicz-Núñez",
		"email":         "Zoe.Lukasiewicz+crm@Example.com",
		"company":       "Brontë, Müller & Partners GmbH",
		"voice":         "(555) 123-4567 x89",
		"alternative":   "+48 601 234 567",
		"fax":           "555.123.4568",
		"comments":      "Met at the Kraków trade show.\nWants a quote for 40 seats, delivery in Q3.",
		"customer_type": "wholesale",
		"addr1_street1": "ul. Marszałkowska 84/92",
		"addr1_street2": "Floor 3",
		"addr1_city":    "Łódź",
		"addr1_state":   "łódzkie",
		"addr1_zip":     "90-001",
		"addr1_country": "Poland",
		"addr2_street1": "742 Evergreen Terrace",
		"addr2_city":    "Springfield",
		"addr2_state":   "IL",
		"addr2_zip":     "62704-1234",
		"addr2_country": "United States",
		"birthday":      "3/14/1985",
		"tier":          "gold",
	}
	if err := sc.Validate(&crm.Customer{Values: maps.Clone(record)}, crm.ValidateOptions{}); err != nil {
		b.Fatalf("the benchmark's record is invalid: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		// Validate rewrites the values in place, so each round gets a fresh
		// map; the importer builds one per row too, so its cost belongs here.
		c := crm.Customer{Values: maps.Clone(record)}
		if err := sc.Validate(&c, crm.ValidateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
