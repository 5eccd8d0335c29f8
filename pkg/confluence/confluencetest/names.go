package confluencetest

import (
	"strings"
	"unicode"
)

// Name pools for generated data. Unicode on purpose: clients must not assume ASCII.
var firstNames = []string{
	"Zoë", "Søren", "José", "François", "Łukasz", "Ángel", "Björn", "Chloé", "Ngozi", "Aiyana",
	"Mei", "Hiroshi", "Ольга", "Дмитрий", "محمد", "فاطمة", "伟", "さくら", "Priya", "Arjun",
	"Siobhán", "Małgorzata", "Jürgen", "Renée", "Ana", "Lars", "Jessica", "Emma", "Liam", "Noah",
	"Olivia", "Ava", "Sofia", "Mateo", "Lucía", "Kwame", "Amara", "Fatima", "Yusuf", "Ingrid",
	"Mikael", "Élodie", "Øystein", "Ayşe", "Çağla", "Tomás", "João", "Zsófia", "Thảo", "Minh",
	"Grace", "Daniel", "Hannah", "Omar", "Leilani", "Kai", "Nadia", "Pedro", "Sven", "Yuki",
}

var lastNames = []string{
	"Müller", "García", "Nguyễn", "Smith-Jones", "O'Brien", "Kowalski", "Chen", "Jones", "Miller",
	"Svensson", "Dubois", "Rossi", "Yılmaz", "Петров", "Tanaka", "김", "Singh", "Okafor", "Mensah",
	"da Silva", "van der Berg", "Ødegård", "Núñez", "Schröder", "Haddad", "Cohen", "Andersson",
	"Lefèvre", "Popescu", "Horváth", "Smith", "Patel", "Kim", "Johansson", "Moreau", "Novák",
	"Fernández", "Ivanova", "Wójcik", "Brown", "Taylor", "Lee", "Martin", "Hernández", "Ali",
}

var emojis = []string{"🚀", "🌟", "🎉", "☕", "🐙", "🌈", "🦊", "🏔️"}

var timeZones = []string{
	"Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Europe/London",
	"America/Los_Angeles", "Asia/Kolkata", "Africa/Lagos", "America/Sao_Paulo", "Europe/Paris",
}

var botNames = []string{
	"Jira Automation", "Slack for Confluence", "Microsoft Teams for Confluence", "Confluence Analytics",
	"Trello", "Statuspage", "draw.io Diagrams", "Zapier", "Gliffy", "Opsgenie",
}

// groupWords build synthetic group names such as "platform-hr-4" or "partners product 5".
var groupWords = []string{
	"platform", "finance", "marketing", "hr", "web", "security", "product", "partners", "data",
	"mobile", "infra", "legal", "sales", "support", "design", "research", "ops", "qa", "cloud",
	"payments", "growth", "équipe", "données", "entwicklung", "qualität",
}

// departments are the Demo preset's groups after the Atlassian defaults.
var departments = []string{
	"engineering", "marketing", "sales", "finance", "human-resources", "legal", "design", "product",
	"customer-support", "it-operations", "security", "data-science", "facilities", "recherche-et-développement",
	"procurement", "executive",
}

// defaultGroups are created first when there are at least four groups.
var defaultGroups = []struct{ name, access string }{
	{"administrators", "admin"}, {"atlassian-addons-admin", "user"},
	{"confluence-users", "user"}, {"site-admins", "site-admin"},
}

// spaceTeams pair a team name with the key prefix of its spaces.
var spaceTeams = []struct{ name, key string }{
	{"Engineering", "ENG"}, {"Marketing", "MKT"}, {"Legal", "LEG"}, {"Support", "SUP"},
	{"Finance", "FIN"}, {"Platform", "PLAT"}, {"Équipe Données", "EQD"}, {"Data Science", "DS"},
	{"Mobile", "MOB"}, {"Design", "DES"}, {"Sales", "SAL"}, {"People Ops", "PEO"},
	{"Security", "SEC"}, {"Research", "RES"}, {"Growth", "GRO"}, {"Qualität", "QUA"},
	{"営業", "EIG"}, {"Customer Success", "CS"},
}

var spaceTopics = []string{
	"Hub", "Archive", "Runbooks", "Knowledge Base", "Handbook", "Wiki", "Playbook", "Roadmap",
	"Docs", "Team Space", "Onboarding", "Retros",
}

var spaceRegions = []string{"", "", "", " APAC", " EMEA", " NA", " 2025"}

// customRoleNames are the custom RBAC roles, in creation order.
var customRoleNames = []struct{ name, description string }{
	{"Release Manager", "Custom: publish releases"}, {"Auditor", "Custom: audit content"},
	{"Café Editor ☕", "Custom: edit the café pages"}, {"Contractor", "Custom: limited editing"},
	{"Guest Reviewer", "Custom: comment only"}, {"Content Designer", "Custom: design and edit"},
	{"Translator", "Custom: translate pages"}, {"Compliance", "Custom: export and restrict"},
	{"Publisher", "Custom: create and archive"}, {"Archivist", "Custom: archive content"},
}

// translit maps common Latin letters with diacritics to ASCII for email local parts.
var translit = strings.NewReplacer(
	"ä", "a", "á", "a", "à", "a", "â", "a", "ã", "a", "å", "a", "ç", "c", "č", "c", "é", "e",
	"è", "e", "ê", "e", "ë", "e", "í", "i", "ì", "i", "ï", "i", "ı", "i", "ł", "l", "ñ", "n",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "ø", "o", "ő", "o", "ş", "s", "š", "s", "ú", "u",
	"ù", "u", "ü", "u", "ű", "u", "ý", "y", "ž", "z", "ğ", "g", "ř", "r", "ễ", "e", "ả", "a",
	"ß", "ss", "æ", "ae", "œ", "oe",
)

// emailPart turns a name into an ASCII email local-part fragment, "" when nothing is left.
func emailPart(name string) string {
	s := translit.Replace(strings.ToLower(name))
	var b strings.Builder
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
