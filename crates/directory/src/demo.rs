//! A deterministic generator of realistic contacts for demos, tests and benchmarks.
//!
//! The same `(count, seed)` always gives the same contacts, on every machine and every run.
//! A quarter of the people work for the demo tenant's own company in Munich and are written
//! with the short forms a real PBX export uses (`-78`, `089/452000-78`); the rest work for
//! customers and suppliers in Germany, Austria, Switzerland and the UK. Names carry umlauts,
//! `ß`, double names and titles; numbers are written the many ways real sources write them.

use kontakt_api::{Address, Contact, Phone, PhoneKind, SourceRef};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::phone::DialingParams;

pub const SOURCE_ID: &str = "demo";
pub const SOURCE_NAME: &str = "Demo directory";
pub const DEFAULT_COUNT: usize = 2_000;
pub const DEFAULT_SEED: u64 = 42;
/// Tenant id of the demo tenant (`tid` of demo tokens).
pub const TENANT_ID: &str = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34";
pub const TENANT_NAME: &str = "Kontakt Demo GmbH";
pub const OWN_COMPANY: &str = "Kontakt Demo GmbH";
const OWN_DOMAIN: &str = "kontakt-demo.de";

/// Dialling parameters of the demo tenant: Munich, with a PBX behind +49 89 452000.
pub fn dialing() -> DialingParams {
    DialingParams {
        country: "DE".into(),
        area_code: Some("89".into()),
        main_number: Some("+49 89 452000".into()),
    }
}

#[derive(Clone, Copy)]
enum Country {
    De,
    At,
    Ch,
    Uk,
}

struct City {
    name: &'static str,
    postal: &'static str,
    street: &'static str,
    country: Country,
    /// Area code without trunk prefix.
    area: &'static str,
}

const CITIES: &[City] = &[
    City {
        name: "München",
        postal: "80331",
        street: "Leopoldstraße",
        country: Country::De,
        area: "89",
    },
    City {
        name: "Berlin",
        postal: "10117",
        street: "Friedrichstraße",
        country: Country::De,
        area: "30",
    },
    City {
        name: "Hamburg",
        postal: "20095",
        street: "Mönckebergstraße",
        country: Country::De,
        area: "40",
    },
    City {
        name: "Köln",
        postal: "50667",
        street: "Hohe Straße",
        country: Country::De,
        area: "221",
    },
    City {
        name: "Frankfurt am Main",
        postal: "60311",
        street: "Zeil",
        country: Country::De,
        area: "69",
    },
    City {
        name: "Stuttgart",
        postal: "70173",
        street: "Königstraße",
        country: Country::De,
        area: "711",
    },
    City {
        name: "Düsseldorf",
        postal: "40212",
        street: "Königsallee",
        country: Country::De,
        area: "211",
    },
    City {
        name: "Nürnberg",
        postal: "90402",
        street: "Karolinenstraße",
        country: Country::De,
        area: "911",
    },
    City {
        name: "Würzburg",
        postal: "97070",
        street: "Domstraße",
        country: Country::De,
        area: "931",
    },
    City {
        name: "Lübeck",
        postal: "23552",
        street: "Breite Straße",
        country: Country::De,
        area: "451",
    },
    City {
        name: "Göttingen",
        postal: "37073",
        street: "Weender Straße",
        country: Country::De,
        area: "551",
    },
    City {
        name: "Wien",
        postal: "1070",
        street: "Mariahilfer Straße",
        country: Country::At,
        area: "1",
    },
    City {
        name: "Graz",
        postal: "8010",
        street: "Herrengasse",
        country: Country::At,
        area: "316",
    },
    City {
        name: "Linz",
        postal: "4020",
        street: "Landstraße",
        country: Country::At,
        area: "732",
    },
    City {
        name: "Salzburg",
        postal: "5020",
        street: "Getreidegasse",
        country: Country::At,
        area: "662",
    },
    City {
        name: "Innsbruck",
        postal: "6020",
        street: "Maria-Theresien-Straße",
        country: Country::At,
        area: "512",
    },
    City {
        name: "Zürich",
        postal: "8001",
        street: "Bahnhofstrasse",
        country: Country::Ch,
        area: "44",
    },
    City {
        name: "Bern",
        postal: "3011",
        street: "Marktgasse",
        country: Country::Ch,
        area: "31",
    },
    City {
        name: "Basel",
        postal: "4051",
        street: "Freie Strasse",
        country: Country::Ch,
        area: "61",
    },
    City {
        name: "Luzern",
        postal: "6003",
        street: "Pilatusstrasse",
        country: Country::Ch,
        area: "41",
    },
    City {
        name: "St. Gallen",
        postal: "9000",
        street: "Multergasse",
        country: Country::Ch,
        area: "71",
    },
    City {
        name: "London",
        postal: "EC2V 7HH",
        street: "Gresham Street",
        country: Country::Uk,
        area: "20",
    },
    City {
        name: "Manchester",
        postal: "M1 1AE",
        street: "Market Street",
        country: Country::Uk,
        area: "161",
    },
    City {
        name: "Birmingham",
        postal: "B2 4QA",
        street: "New Street",
        country: Country::Uk,
        area: "121",
    },
    City {
        name: "Edinburgh",
        postal: "EH2 2ER",
        street: "George Street",
        country: Country::Uk,
        area: "131",
    },
];

const GIVEN_DE: &[&str] = &[
    "Jürgen",
    "Jörg",
    "Günther",
    "Björn",
    "Käthe",
    "Sören",
    "Uwe",
    "Klaus",
    "Anna",
    "Lena",
    "Maximilian",
    "Sophie",
    "Marie",
    "Lukas",
    "Jonas",
    "Leonie",
    "Hannah",
    "Felix",
    "Paul",
    "Emma",
    "Mia",
    "Ben",
    "Hans-Peter",
    "Karl-Heinz",
    "Anna-Lena",
    "Marie-Luise",
    "Thomas",
    "Stefan",
    "Andrea",
    "Sabine",
    "Wolfgang",
    "Ursula",
    "Michael",
    "Christine",
    "Matthias",
    "Barbara",
    "Frank",
    "Petra",
    "Dieter",
    "Monika",
    "Jens",
    "Heike",
    "Gerd",
    "Birgit",
    "Manuel",
    "Michaela",
    "Jürgen",
    "Lea",
    "Tobias",
    "Jana",
];
const GIVEN_AT: &[&str] = &[
    "Florian",
    "Matthias",
    "Katharina",
    "Elisabeth",
    "Johanna",
    "Lorenz",
    "Valentin",
    "Theresa",
    "Sebastian",
    "Magdalena",
    "Raphael",
    "Verena",
    "Dominik",
    "Rosa",
    "Ferdinand",
    "Leopold",
];
const GIVEN_CH: &[&str] = &[
    "Reto", "Urs", "Beat", "Dominik", "Nadja", "Corinne", "Mirjam", "Pascal", "Jürg", "Res",
    "Seraina", "Gian", "Flurina", "Andri", "Ueli", "Regula",
];
const GIVEN_UK: &[&str] = &[
    "James",
    "Oliver",
    "Emily",
    "Charlotte",
    "Harry",
    "George",
    "Amelia",
    "Olivia",
    "William",
    "Jack",
    "Sophie",
    "Thomas",
    "Isla",
    "Grace",
    "Alfie",
    "Freya",
];
const SURNAME_DE: &[&str] = &[
    "Müller",
    "Meier",
    "Mayer",
    "Maier",
    "Meyer",
    "Schmidt",
    "Schmitt",
    "Schneider",
    "Fischer",
    "Weber",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitz",
    "Krause",
    "Groß",
    "Weiß",
    "Strauß",
    "Jäger",
    "Böhm",
    "Köhler",
    "Günther",
    "Lorenz",
    "Voß",
    "Löffler",
    "Nußbaum",
    "Öztürk",
    "Kowalski",
    "Dietrich",
    "Seidel",
    "Brandt",
    "Haas",
    "Schuster",
    "Vogel",
    "Friedrich",
    "Keller",
    "Möller",
    "Sommer",
    "Fuchs",
    "Scholz",
    "Engel",
    "Horn",
    "Busch",
    "Pohl",
    "Kuhn",
    "Franke",
    "Albrecht",
    "Winkler",
    "Ludwig",
    "Kraus",
    "Martin",
    "Schumacher",
    "Thiel",
    "Bergmann",
    "Kühn",
    "Roth",
    "Frank",
    "Beck",
    "Lehmann",
    "Walter",
    "König",
    "Huber",
    "Herrmann",
    "Schulze",
    "Peters",
    "Wendt",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogt",
    "Stein",
    "Jansen",
];
const SURNAME_AT: &[&str] = &[
    "Gruber",
    "Huber",
    "Pichler",
    "Steiner",
    "Moser",
    "Hofer",
    "Leitner",
    "Berger",
    "Fuchs",
    "Eder",
    "Wimmer",
    "Egger",
    "Reiter",
    "Schwaiger",
    "Lechner",
    "Wallner",
    "Aigner",
    "Brunner",
    "Haas",
    "Holzer",
    "Lang",
    "Ebner",
    "Wieser",
    "Mayr",
    "Auer",
    "Strobl",
];
const SURNAME_CH: &[&str] = &[
    "Keller",
    "Brunner",
    "Baumann",
    "Frei",
    "Zimmermann",
    "Gerber",
    "Widmer",
    "Kälin",
    "Bühler",
    "Lüthi",
    "Schnyder",
    "Hürlimann",
    "Zürcher",
    "Marti",
    "Suter",
    "Wyss",
    "Graf",
    "Bachmann",
    "Studer",
    "Meier",
    "Steiner",
    "Moser",
];
const SURNAME_UK: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "O'Brien", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner",
];
const COMPANY_STEMS: &[&str] = &[
    "Alpen", "Rhein", "Nord", "Süd", "Donau", "Isar", "Elb", "Main", "Boden", "Hanse", "Wald",
    "Berg", "Tal", "Sonnen", "Stern", "Löwen", "Adler", "Eichen", "Linden", "Brücken", "Ober",
    "Nieder", "Ost", "West", "Mittel", "Fluss", "See", "Feld", "Stadt", "Land",
];
const COMPANY_TRADES: &[&str] = &[
    "Logistik",
    "Versicherung",
    "Bau",
    "Technik",
    "Software",
    "Medien",
    "Energie",
    "Präzision",
    "Handel",
    "Druck",
    "Maschinenbau",
    "Elektro",
    "Pharma",
    "Bäckerei",
    "Immobilien",
    "Metall",
    "Textil",
    "Verlag",
    "Consulting",
    "Werkzeug",
    "Möbel",
    "Glas",
    "Kunststoff",
    "Optik",
];
const TRADES_UK: &[&str] = &[
    "Logistics",
    "Insurance",
    "Engineering",
    "Software",
    "Media",
    "Energy",
    "Trading",
    "Consulting",
    "Print",
    "Analytics",
];
const DEPARTMENTS_DE: &[&str] = &[
    "Vertrieb",
    "Einkauf",
    "Buchhaltung",
    "Personal",
    "IT",
    "Kundenservice",
    "Geschäftsführung",
    "Logistik",
    "Marketing",
    "Entwicklung",
    "Qualitätssicherung",
    "Recht",
    "Controlling",
    "Empfang",
    "Produktion",
];
const DEPARTMENTS_UK: &[&str] = &[
    "Sales",
    "Purchasing",
    "Finance",
    "HR",
    "IT",
    "Customer Service",
    "Management",
    "Logistics",
    "Marketing",
    "Engineering",
    "Legal",
];
const TITLES_DE: &[&str] = &[
    "Sachbearbeiterin",
    "Sachbearbeiter",
    "Teamleiter",
    "Teamleiterin",
    "Geschäftsführer",
    "Geschäftsführerin",
    "Vertriebsleiterin",
    "Vertriebsleiter",
    "Software-Entwickler",
    "Softwareentwicklerin",
    "Head of Sales",
    "Account Manager",
    "Buchhalter",
    "Einkäufer",
    "IT-Administrator",
    "Projektleiterin",
    "Projektleiter",
    "Assistenz der Geschäftsführung",
    "Werkstudent",
    "Auszubildende",
    "Key Account Managerin",
    "Prokurist",
    "Bereichsleiter",
    "Referentin",
    "Kundenberater",
];
const TITLES_UK: &[&str] = &[
    "Sales Manager",
    "Account Manager",
    "Head of Finance",
    "Software Engineer",
    "Buyer",
    "Office Manager",
    "Managing Director",
    "Project Manager",
    "Customer Advisor",
    "Analyst",
];
const MOBILE_DE: &[&str] = &[
    "151", "152", "160", "162", "170", "171", "172", "173", "175", "176", "177", "179",
];
const MOBILE_AT: &[&str] = &["650", "660", "664", "676", "680", "699"];
const MOBILE_CH: &[&str] = &["76", "77", "78", "79"];

struct Company {
    name: String,
    domain: String,
    city: &'static City,
    street_no: u32,
    /// Digits of the company number after the area code; extensions follow it.
    base: String,
}

/// Generates `count` contacts, identical for identical `(count, seed)`.
pub fn generate(count: usize, seed: u64) -> Vec<Contact> {
    Generator::new(count, seed).collect()
}

/// Streams the contacts of [`generate`] without holding them all.
pub struct Generator {
    seed: u64,
    next: usize,
    count: usize,
    companies: Vec<Company>,
}

impl Generator {
    pub fn new(count: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // About 150 people per company outside the own one, as in a real CRM.
        let n_companies = (count / 200).max(40);
        let mut companies = Vec::with_capacity(n_companies);
        for i in 0..n_companies {
            companies.push(company(&mut rng, i));
        }
        Generator {
            seed,
            next: 0,
            count,
            companies,
        }
    }
}

impl Iterator for Generator {
    type Item = Contact;

    fn next(&mut self) -> Option<Contact> {
        if self.next >= self.count {
            return None;
        }
        let i = self.next;
        self.next += 1;
        // One stream per contact: contact i does not depend on how contacts before it drew.
        let mut rng =
            ChaCha8Rng::seed_from_u64(self.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Some(if i.is_multiple_of(4) {
            own_employee(&mut rng, i, 100 + i / 4)
        } else {
            let j = i - i / 4 - 1;
            let company = &self.companies[j % self.companies.len()];
            external_contact(&mut rng, i, company, 10 + j / self.companies.len())
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

fn pick<'a, T: ?Sized>(rng: &mut impl Rng, items: &'a [&'a T]) -> &'a T {
    items[rng.random_range(0..items.len())]
}

fn chance(rng: &mut impl Rng, percent: u32) -> bool {
    rng.random_range(0..100) < percent
}

fn company(rng: &mut impl Rng, i: usize) -> Company {
    let city = &CITIES[rng.random_range(0..CITIES.len())];
    let name = match (city.country, rng.random_range(0..3)) {
        (Country::Uk, 0) => format!("{} & {} Ltd", pick(rng, SURNAME_UK), pick(rng, SURNAME_UK)),
        (Country::Uk, _) => format!(
            "{} {} Ltd",
            pick(
                rng,
                &[
                    "Northern", "Albion", "Crown", "Thames", "Highland", "Pennine", "Harbour"
                ]
            ),
            pick(rng, TRADES_UK)
        ),
        (country, 0) => {
            let surnames = surnames_of(country);
            format!(
                "{} & {} {}",
                pick(rng, surnames),
                pick(rng, surnames),
                legal_form(rng, country)
            )
        }
        (country, _) => format!(
            "{}{} {}",
            pick(rng, COMPANY_STEMS),
            pick(rng, COMPANY_TRADES).to_lowercase(),
            legal_form(rng, country)
        ),
    };
    let slug: String = mail_ascii(&name.replace(" & ", "-"))
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .next()
        .unwrap_or("firma")
        .to_owned();
    let tld = match city.country {
        Country::De => "de",
        Country::At => "at",
        Country::Ch => "ch",
        Country::Uk => "co.uk",
    };
    // Distinct company numbers: the index makes every base unique.
    let width = 7 - city.area.len().min(3);
    let base = format!(
        "{}{:0width$}",
        rng.random_range(2..=9),
        scramble(i as u64, width as u32)
    );
    Company {
        domain: format!(
            "{}{}.{tld}",
            slug,
            if i > 60 {
                format!("-{i}")
            } else {
                String::new()
            }
        ),
        name,
        city,
        street_no: rng.random_range(1..200),
        base,
    }
}

fn legal_form(rng: &mut impl Rng, country: Country) -> &'static str {
    match country {
        Country::De => pick(rng, &["GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."]),
        Country::At => pick(rng, &["GmbH", "AG", "OG", "KG"]),
        Country::Ch => pick(rng, &["AG", "GmbH", "SA"]),
        Country::Uk => "Ltd",
    }
}

fn surnames_of(country: Country) -> &'static [&'static str] {
    match country {
        Country::De => SURNAME_DE,
        Country::At => SURNAME_AT,
        Country::Ch => SURNAME_CH,
        Country::Uk => SURNAME_UK,
    }
}

fn given_of(country: Country) -> &'static [&'static str] {
    match country {
        Country::De => GIVEN_DE,
        Country::At => GIVEN_AT,
        Country::Ch => GIVEN_CH,
        Country::Uk => GIVEN_UK,
    }
}

/// Names mostly from the company's country, some from its neighbours.
fn person_name(rng: &mut impl Rng, country: Country) -> (String, String) {
    let name_country = match rng.random_range(0..10) {
        0 => Country::De,
        1 if !matches!(country, Country::Uk) => Country::At,
        2 if !matches!(country, Country::Uk) => Country::Ch,
        3 => Country::Uk,
        _ => country,
    };
    let given = pick(rng, given_of(name_country)).to_owned();
    let mut surname = pick(rng, surnames_of(name_country)).to_owned();
    if !matches!(name_country, Country::Uk) && chance(rng, 5) {
        let second = pick(rng, surnames_of(name_country));
        if second != surname {
            surname = format!("{surname}-{second}");
        }
    }
    (given, surname)
}

/// The ASCII spelling German addresses use: `ü` → `ue`, `ß` → `ss`.
fn mail_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            '\'' => {}
            ' ' => out.push('.'),
            c => out.push_str(&deunicode::deunicode_char(c).unwrap_or("").to_lowercase()),
        }
    }
    out
}

fn email(given: &str, surname: &str, domain: &str) -> String {
    format!("{}.{}@{domain}", mail_ascii(given), mail_ascii(surname))
}

fn base_contact(i: usize, given: String, surname: String, title_prefix: bool) -> Contact {
    let display_name = if title_prefix {
        format!("Dr. {given} {surname}")
    } else {
        format!("{given} {surname}")
    };
    Contact {
        id: format!("{SOURCE_ID}:{i:06}"),
        source: SourceRef {
            id: SOURCE_ID.into(),
            name: SOURCE_NAME.into(),
        },
        display_name,
        given_name: Some(given),
        surname: Some(surname),
        company: None,
        department: None,
        job_title: None,
        emails: vec![],
        phones: vec![],
        address: None,
        upn: None,
    }
}

fn own_employee(rng: &mut impl Rng, i: usize, ext: usize) -> Contact {
    let (given, surname) = person_name(rng, Country::De);
    let mut c = base_contact(i, given, surname, chance(rng, 3));
    let mail = email(
        c.given_name.as_deref().unwrap_or(""),
        c.surname.as_deref().unwrap_or(""),
        OWN_DOMAIN,
    );
    // A PBX export writes the same extension many ways.
    let raw = match rng.random_range(0..7) {
        0 => format!("+49 (0)89 452000-{ext}"),
        1 => format!("089/452000{ext}"),
        2 => format!("-{ext}"),
        3 => format!("{ext}"),
        4 => format!("+49 89 452000 {ext}"),
        5 => format!("0049 89 452000-{ext}"),
        _ => format!("(089) 452000-{ext}"),
    };
    c.phones.push(Phone {
        kind: PhoneKind::Business,
        raw,
        e164: None,
    });
    if chance(rng, 60) {
        c.phones.push(Phone {
            kind: PhoneKind::Mobile,
            raw: mobile(rng, Country::De, i),
            e164: None,
        });
    }
    c.company = Some(OWN_COMPANY.into());
    c.department = Some(pick(rng, DEPARTMENTS_DE).into());
    c.job_title = Some(pick(rng, TITLES_DE).into());
    c.address = Some(Address {
        street: Some("Leopoldstraße 42".into()),
        postal_code: Some("80802".into()),
        city: Some("München".into()),
        region: Some("Bayern".into()),
        country: Some("Deutschland".into()),
    });
    c.emails.push(mail.clone());
    c.upn = Some(mail);
    c
}

fn external_contact(rng: &mut impl Rng, i: usize, company: &Company, ext: usize) -> Contact {
    let country = company.city.country;
    let (given, surname) = person_name(rng, country);
    let mut c = base_contact(i, given, surname, chance(rng, 3));
    let business = business_number(rng, company, &ext.to_string());
    c.phones.push(Phone {
        kind: PhoneKind::Business,
        raw: business,
        e164: None,
    });
    if chance(rng, 45) {
        c.phones.push(Phone {
            kind: PhoneKind::Mobile,
            raw: mobile(rng, country, i),
            e164: None,
        });
    }
    if chance(rng, 10) {
        let fax = business_number(rng, company, "99");
        c.phones.push(Phone {
            kind: PhoneKind::Fax,
            raw: fax,
            e164: None,
        });
    }
    if chance(rng, 3) {
        let home = business_number(rng, company, &format!("{}", 40 + i % 50));
        c.phones.push(Phone {
            kind: PhoneKind::Home,
            raw: home.replace(&company.base, &format!("{}", 300_000 + i % 600_000)),
            e164: None,
        });
    }
    let uk = matches!(country, Country::Uk);
    c.company = Some(company.name.clone());
    if chance(rng, 85) {
        c.department = Some(pick(rng, if uk { DEPARTMENTS_UK } else { DEPARTMENTS_DE }).into());
    }
    if chance(rng, 90) {
        c.job_title = Some(pick(rng, if uk { TITLES_UK } else { TITLES_DE }).into());
    }
    c.emails.push(email(
        c.given_name.as_deref().unwrap_or(""),
        c.surname.as_deref().unwrap_or(""),
        &company.domain,
    ));
    if chance(rng, 5) {
        c.emails.push(format!("info@{}", company.domain));
    }
    let city = company.city;
    c.address = Some(Address {
        street: Some(if uk {
            format!("{} {}", company.street_no, city.street)
        } else {
            format!("{} {}", city.street, company.street_no)
        }),
        postal_code: Some(city.postal.into()),
        city: Some(city.name.into()),
        region: None,
        country: Some(
            match country {
                Country::De => "Deutschland",
                Country::At => "Österreich",
                Country::Ch => "Schweiz",
                Country::Uk => "United Kingdom",
            }
            .into(),
        ),
    });
    c
}

/// A company extension, written as people in that country write it. Numbers abroad carry
/// their country code, as they do in a German company's CRM.
fn business_number(rng: &mut impl Rng, company: &Company, ext: &str) -> String {
    let area = company.city.area;
    let base = &company.base;
    let (head, tail) = base.split_at(base.len() / 2);
    match company.city.country {
        Country::De => match rng.random_range(0..8) {
            0 => format!("+49 (0){area} {base}-{ext}"),
            1 => format!("0{area}/{base}{ext}"),
            2 => format!("0049 {area} {base}{ext}"),
            3 => format!("+49 {area} {head} {tail} {ext}"),
            4 => format!("(0{area}) {head} {tail}-{ext}"),
            5 => format!("0{area}-{base}-{ext}"),
            6 => format!("+49{area}{base}{ext}"),
            _ => format!("0{area} {base} {ext}"),
        },
        Country::At => match rng.random_range(0..3) {
            0 => format!("+43 {area} {base}-{ext}"),
            1 => format!("0043 {area} {base} {ext}"),
            _ => format!("+43 (0){area} {base}{ext}"),
        },
        Country::Ch => match rng.random_range(0..3) {
            0 => format!("+41 {area} {head} {tail} {ext}"),
            1 => format!("0041 {area} {base}{ext}"),
            _ => format!("+41 (0){area} {base} {ext}"),
        },
        Country::Uk => match rng.random_range(0..2) {
            0 => format!("+44 {area} {base} {ext}"),
            _ => format!("+44 (0){area} {head} {tail}{ext}"),
        },
    }
}

/// A different-looking number for every `i` below `10^digits`: multiplying by a number
/// coprime to 10 permutes the residues, so distinct inputs give distinct numbers.
fn scramble(i: u64, digits: u32) -> u64 {
    let modulus = 10u64.pow(digits);
    (i.wrapping_mul(7_919) + 3_141_593) % modulus
}

fn mobile(rng: &mut impl Rng, country: Country, i: usize) -> String {
    // Unique per contact: the contact index is part of the subscriber number.
    let sub = format!("{:07}", scramble(i as u64, 7));
    match country {
        Country::De => {
            let prefix = pick(rng, MOBILE_DE);
            match rng.random_range(0..4) {
                0 => format!("0{prefix} {sub}"),
                1 => format!("+49 {prefix} {sub}"),
                2 => format!("0{prefix}/{sub}"),
                _ => format!("+49 (0){prefix} {} {}", &sub[..3], &sub[3..]),
            }
        }
        Country::At => format!("+43 {} {sub}", pick(rng, MOBILE_AT)),
        Country::Ch => format!(
            "+41 {} {} {} {}",
            pick(rng, MOBILE_CH),
            &sub[..3],
            &sub[3..5],
            &sub[5..]
        ),
        Country::Uk => format!("+44 7{} {}", rng.random_range(400..=999), &sub[..6]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_contacts() {
        assert_eq!(generate(300, 7), generate(300, 7));
        assert_ne!(generate(300, 7), generate(300, 8));
    }

    #[test]
    fn ids_are_unique_and_stable() {
        let contacts = generate(2_000, DEFAULT_SEED);
        let ids: std::collections::HashSet<_> = contacts.iter().map(|c| &c.id).collect();
        assert_eq!(ids.len(), 2_000);
        assert_eq!(contacts[42].id, "demo:000042");
    }

    #[test]
    fn looks_like_a_german_speaking_directory() {
        let contacts = generate(2_000, DEFAULT_SEED);
        let names: String = contacts.iter().map(|c| c.display_name.as_str()).collect();
        assert!(names.contains('ü') && names.contains('ö') && names.contains('ß'));
        let raws: Vec<&str> = contacts
            .iter()
            .flat_map(|c| c.phones.iter().map(|p| p.raw.as_str()))
            .collect();
        assert!(raws.iter().any(|r| r.starts_with("+49 (0)")));
        assert!(raws.iter().any(|r| r.starts_with("0049 ")));
        assert!(raws.iter().any(|r| r.starts_with('-')));
        assert!(raws.iter().any(|r| r.contains('/')));
        assert!(raws.iter().any(|r| r.starts_with("+43 ")));
        assert!(raws.iter().any(|r| r.starts_with("+41 ")));
        assert!(
            contacts
                .iter()
                .all(|c| !c.emails.is_empty() && !c.phones.is_empty())
        );
        assert!(contacts.iter().all(|c| c.emails[0].is_ascii()));
    }

    #[test]
    fn every_generated_number_normalises() {
        let n = crate::phone::PhoneNormalizer::new(&dialing()).unwrap();
        for c in generate(2_000, DEFAULT_SEED) {
            for p in &c.phones {
                assert!(n.normalize(&p.raw).is_some(), "{} {:?}", c.id, p.raw);
            }
        }
    }
}
