//go:build unix

package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// header is the file's header as people's spreadsheets write it; localcrm
// maps every column by its name alone.
var header = []string{"First Name", "Last Name", "Email", "Company", "Phone", "Mobile",
	"Street", "City", "State", "Zip", "Country", "Notes"}

// seed is fixed so that every run imports the same bytes; since the sizes
// share it, a smaller file is the start of a larger one.
const seed = 20240601

// generate writes n records to path. It streams row by row, so a million
// records cost no more memory than ten.
func generate(path string, n int) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw) // quotes cells with commas, quotes and newlines, as spreadsheets do
	if err := w.Write(header); err != nil {
		return err
	}
	g := gen{r: rand.New(rand.NewPCG(seed, 1))}
	row := make([]string, len(header))
	for i := range n {
		g.record(row, i)
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// Every value below is valid for localcrm's fields (lengths, phone and
// email rules), so that both localcrm and sqlite3 load every record and the
// comparison is of loading, not of rejecting.

var firstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Daniel", "Nancy",
	"Zoë", "José", "Łukasz", "Amélie", "Søren", "Chloé", "Renée", "Björn", "François", "Małgorzata",
	"Jürgen", "Íñigo", "Ana", "Wei", "Priya", "Mohammed", "Aoife", "Siobhán", "Noémie", "Øystein",
	"Jean-Luc", "Mary Ann", "Dorothée", "Grzegorz", "Zoltán", "Ångström", "Çağla", "Nguyễn Văn", "Kateřina", "Željko",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernández", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
	"Nowak", "Kowalski", "Wiśniewski", "Müller", "Schröder", "O'Brien", "Núñez", "Brontë", "Dubois", "Lefèvre",
	"Andersson", "Østergaard", "Šimek", "de la Cruz", "van der Berg", "Nguyen", "Kim", "Papadopoulos", "Yılmaz", "Łukasiewicz",
	"MacDonald", "Fitzgerald-Smythe", "Ó Súilleabháin", "Gonçalves", "Søndergaard", "Kovačević", "Dvořák", "Abramović", "Singh", "Patel",
}

// companyWords and companySuffixes make names such as "Northwind Logistics
// GmbH"; a few are "Smith, Jones & Partners", whose comma needs quotes.
var companyWords = []string{"Northwind", "Contoso", "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
	"Blue Harbor", "Red Oak", "Silverline", "Brightpath", "Żabka", "Fjällräven", "Café Olé", "Zürich Re"}

var companyKinds = []string{"Logistics", "Consulting", "Software", "Foods", "Trading", "Holdings", "Design", "Medical", "Motors", "Textiles"}

var companySuffixes = []string{"Inc.", "LLC", "Ltd", "GmbH", "S.A.", "Sp. z o.o.", "Corp.", "AG", "SARL", "Co."}

var streetNames = []string{"Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine",
	"Baker", "Sunset", "Evergreen", "Highland", "Martin Luther King Jr", "Königsallee", "Marszałkowska", "Rue de Rivoli"}

var streetTypes = []string{"Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "Court", "Terrace", "Way", "Place"}

type city struct{ name, state string }

// place is a country with its cities, postal codes and phone formats.
type place struct {
	country []string // how files spell it
	cities  []city
	zip     func(r *rand.Rand) string
	phone   func(r *rand.Rand) string
	domains []string
}

var places = []place{
	{
		country: []string{"United States", "USA", "US"},
		cities: []city{{"Springfield", "IL"}, {"Portland", "OR"}, {"Austin", "TX"}, {"San José", "CA"},
			{"New York", "NY"}, {"Boston", "MA"}, {"Coeur d'Alene", "Idaho"}, {"Santa Fe", "New Mexico"}},
		zip: func(r *rand.Rand) string {
			if r.IntN(5) == 0 {
				return fmt.Sprintf("%05d-%04d", r.IntN(99999)+1, r.IntN(10000))
			}
			return fmt.Sprintf("%05d", r.IntN(99999)+1)
		},
		phone:   usPhone,
		domains: []string{"gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com", "comcast.net"},
	},
	{
		country: []string{"United Kingdom", "UK"},
		cities:  []city{{"London", ""}, {"Manchester", "Greater Manchester"}, {"Edinburgh", "Scotland"}, {"Cardiff", "Wales"}},
		zip: func(r *rand.Rand) string {
			return fmt.Sprintf("%c%c%d %d%c%c", 'A'+r.IntN(26), 'A'+r.IntN(26), r.IntN(20)+1, r.IntN(10), 'A'+r.IntN(26), 'A'+r.IntN(26))
		},
		phone: func(r *rand.Rand) string {
			return pick(r, []string{"+44 20 %04d %04d", "020 %04d %04d", "+44 (0)20 %04d %04d"}, r.IntN(10000), r.IntN(10000))
		},
		domains: []string{"gmail.com", "btinternet.com", "yahoo.co.uk", "hotmail.co.uk"},
	},
	{
		country: []string{"Germany", "Deutschland"},
		cities:  []city{{"München", "Bayern"}, {"Köln", "Nordrhein-Westfalen"}, {"Berlin", "Berlin"}, {"Düsseldorf", "Nordrhein-Westfalen"}},
		zip:     func(r *rand.Rand) string { return fmt.Sprintf("%05d", r.IntN(99999)+1) },
		phone: func(r *rand.Rand) string {
			return pick(r, []string{"+49 30 %08d", "030 %08d", "+49 (0)30 %08d", "0151/%08d"}, r.IntN(1e8))
		},
		domains: []string{"web.de", "gmx.de", "t-online.de", "gmail.com"},
	},
	{
		country: []string{"Poland", "Polska"},
		cities:  []city{{"Łódź", "łódzkie"}, {"Kraków", "małopolskie"}, {"Gdańsk", "pomorskie"}, {"Wrocław", "dolnośląskie"}},
		zip:     func(r *rand.Rand) string { return fmt.Sprintf("%02d-%03d", r.IntN(100), r.IntN(1000)) },
		phone: func(r *rand.Rand) string {
			return pick(r, []string{"+48 %03d %03d %03d", "%03d-%03d-%03d", "+48 (%03d) %03d %03d"}, r.IntN(900)+100, r.IntN(1000), r.IntN(1000))
		},
		domains: []string{"wp.pl", "onet.pl", "interia.pl", "gmail.com"},
	},
	{
		country: []string{"France"},
		cities:  []city{{"Paris", "Île-de-France"}, {"Orléans", "Centre-Val de Loire"}, {"Besançon", "Bourgogne-Franche-Comté"}},
		zip:     func(r *rand.Rand) string { return fmt.Sprintf("%05d", r.IntN(95000)+1000) },
		phone: func(r *rand.Rand) string {
			return pick(r, []string{"+33 1 %02d %02d %02d %02d", "01 %02d %02d %02d %02d", "01.%02d.%02d.%02d.%02d"},
				r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
		},
		domains: []string{"orange.fr", "free.fr", "laposte.net", "gmail.com"},
	},
	{
		country: []string{"Canada"},
		cities:  []city{{"Montréal", "QC"}, {"Toronto", "ON"}, {"Québec", "Québec"}, {"Vancouver", "BC"}},
		zip: func(r *rand.Rand) string {
			return fmt.Sprintf("%c%d%c %d%c%d", 'A'+r.IntN(26), r.IntN(10), 'A'+r.IntN(26), r.IntN(10), 'A'+r.IntN(26), r.IntN(10))
		},
		phone:   usPhone,
		domains: []string{"gmail.com", "videotron.ca", "rogers.com", "shaw.ca"},
	},
	{
		country: []string{"Spain", "España", "Mexico", "México"},
		cities:  []city{{"Málaga", "Andalucía"}, {"A Coruña", "Galicia"}, {"Ciudad de México", "CDMX"}, {"Mérida", "Yucatán"}},
		zip:     func(r *rand.Rand) string { return fmt.Sprintf("%05d", r.IntN(52000)+1000) },
		phone: func(r *rand.Rand) string {
			if r.IntN(2) == 0 {
				return fmt.Sprintf("+34 %03d %03d %03d", r.IntN(400)+600, r.IntN(1000), r.IntN(1000))
			}
			return fmt.Sprintf("+52 55 %04d %04d", r.IntN(10000), r.IntN(10000))
		},
		domains: []string{"gmail.com", "hotmail.es", "telefonica.net", "prodigy.net.mx"},
	},
}

// usPhone writes a North American number in one of the ways people do,
// sometimes with an extension.
func usPhone(r *rand.Rand) string {
	a, b, c := r.IntN(800)+200, r.IntN(800)+200, r.IntN(10000)
	s := pick(r, []string{"(%03d) %03d-%04d", "%03d-%03d-%04d", "%03d.%03d.%04d", "+1 %03d %03d %04d", "+1-%03d-%03d-%04d", "%03d %03d %04d"}, a, b, c)
	switch r.IntN(20) {
	case 0:
		s += fmt.Sprintf(" x%d", r.IntN(9000)+100)
	case 1:
		s += fmt.Sprintf(" ext. %d", r.IntN(90)+10)
	}
	return s
}

var notes = []string{
	"Prefers email.", "Met at the trade show, interested in pricing.", "VIP customer", "Call after 5pm",
	"Referred by an existing customer.", `Asked for the "premium" plan.`, "Do not call on Fridays.",
	"Renewal due in Q3; wants a discount, sent quote #4411.", "Speaks Français and Español.", "Late payer — check terms.",
	"Moved from the old CRM.", "Newsletter: yes", "Café owner; orders weekly, pays by card.",
}

// gen makes one record at a time from its random source.
type gen struct {
	r *rand.Rand
}

// record fills row with record i: random but valid values, and an email
// made unique by i whatever the random choices were.
func (g *gen) record(row []string, i int) {
	r := g.r
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	p := &places[r.IntN(len(places))]
	c := p.cities[r.IntN(len(p.cities))]
	row[0], row[1] = first, last
	row[2] = g.email(first, last, p, i)
	row[3] = g.company(last)
	row[4] = p.phone(r)
	row[5] = ""
	if r.IntN(10) < 6 {
		row[5] = p.phone(r)
	}
	row[6] = fmt.Sprintf("%d %s %s", r.IntN(9999)+1, streetNames[r.IntN(len(streetNames))], streetTypes[r.IntN(len(streetTypes))])
	if r.IntN(15) == 0 {
		row[6] = fmt.Sprintf("Apt %d, %s", r.IntN(300)+1, row[6]) // a comma: the cell needs quotes
	}
	row[7], row[8] = c.name, c.state
	row[9] = p.zip(r)
	row[10] = p.country[r.IntN(len(p.country))]
	row[11] = g.notes()
}

// asciiFold turns a name into the letters people put in email addresses.
var asciiFold = strings.NewReplacer(
	"ë", "e", "é", "e", "è", "e", "ê", "e", "É", "E", "á", "a", "à", "a", "â", "a", "ä", "a", "å", "a", "Å", "A",
	"í", "i", "ı", "i", "Í", "I", "ó", "o", "ö", "o", "ø", "o", "Ø", "O", "Ó", "O", "ú", "u", "ü", "u", "ñ", "n",
	"ç", "c", "Ç", "C", "ğ", "g", "ł", "l", "Ł", "L", "ś", "s", "Š", "S", "ż", "z", "Ż", "Z", "ř", "r", "ě", "e",
	"ć", "c", "č", "c", "ő", "o", "ễ", "e", "ă", "a", "ž", "z", "Ž", "Z", "ß", "ss",
)

// emailWord keeps the ASCII letters of a folded name, in lower case.
func emailWord(name string) string {
	var b strings.Builder
	for _, ch := range strings.ToLower(asciiFold.Replace(name)) {
		if ch >= 'a' && ch <= 'z' {
			b.WriteRune(ch)
		}
	}
	return b.String()
}

func (g *gen) email(first, last string, p *place, i int) string {
	r := g.r
	f, l, n := emailWord(first), emailWord(last), strconv.Itoa(i)
	var local string
	switch r.IntN(4) {
	case 0:
		local = f + "." + l + n
	case 1:
		local = f[:1] + l + n
	case 2:
		local = f + "_" + l + "_" + n
	default:
		local = l + "." + f + n
	}
	if r.IntN(20) == 0 {
		local += "+" + []string{"crm", "shop", "news", "work"}[r.IntN(4)] // plus-addressed
	}
	domain := p.domains[r.IntN(len(p.domains))]
	switch r.IntN(25) { // some people type capitals; uniqueness ignores case
	case 0:
		local = strings.ToUpper(local[:1]) + local[1:]
	case 1:
		domain = strings.ToUpper(domain)
	}
	return local + "@" + domain
}

func (g *gen) company(last string) string {
	r := g.r
	switch r.IntN(10) {
	case 0, 1:
		return "" // people, not firms
	case 2:
		return last + ", " + lastNames[r.IntN(len(lastNames))] + " & Partners" // a comma: quoted
	}
	return companyWords[r.IntN(len(companyWords))] + " " + companyKinds[r.IntN(len(companyKinds))] + " " +
		companySuffixes[r.IntN(len(companySuffixes))]
}

// notes is blank for half the records; about 1% of all notes run over two
// lines inside quotes, as spreadsheets write a cell with a line break.
func (g *gen) notes() string {
	r := g.r
	switch n := r.IntN(100); {
	case n < 50:
		return ""
	case n == 50:
		return notes[r.IntN(len(notes))] + "\n" + notes[r.IntN(len(notes))]
	}
	return notes[r.IntN(len(notes))]
}

// pick formats one of the layouts with args.
func pick(r *rand.Rand, layouts []string, args ...any) string {
	return fmt.Sprintf(layouts[r.IntN(len(layouts))], args...)
}
