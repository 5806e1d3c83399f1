//! Name parts by culture and script, from which synthetic travellers are named. Small on
//! purpose: enough variety (diacritics, Cyrillic, Arabic, Greek, Turkish dotted and dotless i,
//! surname forms by sex) to exercise normalisation and matching, not a census.

use rand::{Rng, seq::IndexedRandom};

/// Writing system a name is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    Latin,
    Cyrillic,
    Arabic,
    Greek,
}

impl Script {
    /// The script of `text`, from its first letter; Latin for text without letters.
    pub fn of(text: &str) -> Script {
        match text.chars().find(|c| c.is_alphabetic()).map(u32::from) {
            Some(0x0400..=0x052F) => Script::Cyrillic,
            Some(0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF) => {
                Script::Arabic
            }
            Some(0x0370..=0x03FF | 0x1F00..=0x1FFF) => Script::Greek,
            _ => Script::Latin,
        }
    }
}

/// Names of one culture in one script. Surnames are `(male form, female form)`.
pub struct NamePool {
    pub script: Script,
    pub surnames: &'static [(&'static str, &'static str)],
    pub male: &'static [&'static str],
    pub female: &'static [&'static str],
}

/// Same surname for both sexes.
macro_rules! same {
    ($($name:literal),+ $(,)?) => { &[$(($name, $name)),+] };
}

pub const SOUTH_SLAVIC_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Hadžić",
        "Kovačević",
        "Petrović",
        "Jovanović",
        "Đurić",
        "Šarić",
        "Mehmedović",
        "Begić",
        "Popović",
        "Nikolić",
        "Marković",
        "Babić",
        "Delić",
        "Čolić",
        "Živković",
        "Husić",
        "Mujić",
        "Vuković",
        "Knežević",
        "Pavlović",
        "Đokić",
        "Ćosić",
        "Lukić",
        "Ilić",
        "Radončić",
        "Šehović",
        "Zečević",
        "Mandić",
        "Tomić",
        "Božović"
    ),
    male: &[
        "Amir", "Dragan", "Nikola", "Marko", "Đorđe", "Željko", "Stefan", "Emir", "Haris",
        "Nemanja", "Dušan", "Miloš", "Edin", "Tarik", "Vuk", "Ivan", "Luka", "Dženan", "Nedim",
        "Bojan",
    ],
    female: &[
        "Emina", "Jelena", "Milica", "Ivana", "Šejla", "Tijana", "Ana", "Lejla", "Amra", "Dragana",
        "Marija", "Ajla", "Jovana", "Sanja", "Nevena", "Belma", "Maja", "Željka", "Mirela",
        "Dženana",
    ],
};

pub const SERBIAN_CYRILLIC: NamePool = NamePool {
    script: Script::Cyrillic,
    surnames: same!(
        "Петровић",
        "Јовановић",
        "Николић",
        "Марковић",
        "Ђурић",
        "Поповић",
        "Ђокић",
        "Стојановић",
        "Илић",
        "Павловић",
        "Лукић",
        "Ћосић",
        "Живковић",
        "Вуковић",
        "Кнежевић",
        "Томић",
        "Милошевић",
        "Радовановић"
    ),
    male: &[
        "Марко",
        "Никола",
        "Ђорђе",
        "Стефан",
        "Немања",
        "Душан",
        "Милош",
        "Вук",
        "Бојан",
        "Лука",
        "Лазар",
        "Урош",
    ],
    female: &[
        "Јелена",
        "Милица",
        "Тијана",
        "Јована",
        "Невена",
        "Марија",
        "Драгана",
        "Ана",
        "Сања",
        "Теодора",
        "Катарина",
        "Мина",
    ],
};

pub const MACEDONIAN_CYRILLIC: NamePool = NamePool {
    script: Script::Cyrillic,
    surnames: &[
        ("Стојановски", "Стојановска"),
        ("Трајковски", "Трајковска"),
        ("Ѓорѓиевски", "Ѓорѓиевска"),
        ("Николовски", "Николовска"),
        ("Петровски", "Петровска"),
        ("Илиевски", "Илиевска"),
        ("Димитриевски", "Димитриевска"),
        ("Јовановски", "Јовановска"),
        ("Ристовски", "Ристовска"),
        ("Спасовски", "Спасовска"),
    ],
    male: &[
        "Александар",
        "Горан",
        "Владимир",
        "Дејан",
        "Ѓорѓи",
        "Зоран",
        "Бојан",
        "Филип",
        "Кире",
        "Игор",
    ],
    female: &[
        "Марија",
        "Ивана",
        "Елена",
        "Билјана",
        "Катерина",
        "Сања",
        "Ана",
        "Симона",
        "Маја",
        "Душица",
    ],
};

pub const MACEDONIAN_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: &[
        ("Stojanovski", "Stojanovska"),
        ("Trajkovski", "Trajkovska"),
        ("Gjorgjievski", "Gjorgjievska"),
        ("Nikolovski", "Nikolovska"),
        ("Petrovski", "Petrovska"),
        ("Ilievski", "Ilievska"),
        ("Dimitrievski", "Dimitrievska"),
        ("Jovanovski", "Jovanovska"),
        ("Ristovski", "Ristovska"),
        ("Spasovski", "Spasovska"),
    ],
    male: &[
        "Aleksandar",
        "Goran",
        "Vladimir",
        "Dejan",
        "Gjorgji",
        "Zoran",
        "Bojan",
        "Filip",
        "Kire",
        "Igor",
    ],
    female: &[
        "Marija", "Ivana", "Elena", "Biljana", "Katerina", "Sanja", "Ana", "Simona", "Maja",
        "Dušica",
    ],
};

pub const SLOVENE: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Novak",
        "Horvat",
        "Kovačič",
        "Krajnc",
        "Zupančič",
        "Potočnik",
        "Mlakar",
        "Kos",
        "Vidmar",
        "Golob"
    ),
    male: &["Luka", "Matej", "Jure", "Žiga", "Rok", "Gregor"],
    female: &["Nina", "Maja", "Eva", "Špela", "Tjaša", "Urška"],
};

pub const ALBANIAN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Berisha", "Krasniqi", "Gashi", "Hoxha", "Shala", "Morina", "Kelmendi", "Bytyçi",
        "Rexhepi", "Hasani", "Thaçi", "Dervishi", "Çela", "Leka", "Malaj", "Xhaferi", "Zeqiri",
        "Kryeziu"
    ),
    male: &[
        "Arbër", "Blerim", "Ilir", "Driton", "Agron", "Besnik", "Fatmir", "Gëzim", "Valon",
        "Lulzim", "Ermal", "Dardan",
    ],
    female: &[
        "Drita", "Elira", "Arta", "Vjosa", "Blerta", "Fjolla", "Teuta", "Mimoza", "Shqipe",
        "Albulena", "Rina", "Jehona",
    ],
};

pub const TURKISH: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Yılmaz",
        "Kaya",
        "Demir",
        "Şahin",
        "Çelik",
        "Yıldız",
        "Yıldırım",
        "Öztürk",
        "Aydın",
        "Özdemir",
        "Arslan",
        "Doğan",
        "Kılıç",
        "Aslan",
        "Çetin",
        "Kara",
        "Koç",
        "Kurt",
        "Özkan",
        "Şimşek",
        "Güneş",
        "Erdoğan"
    ),
    male: &[
        "Mehmet", "Mustafa", "Emre", "Ahmet", "Gökhan", "İbrahim", "Hüseyin", "Burak", "Oğuz",
        "Çağrı", "Serkan", "Yusuf", "Ömer", "Barış", "Can",
    ],
    female: &[
        "Ayşe", "Zeynep", "Elif", "Fatma", "Çağla", "Merve", "Şule", "Gül", "Özlem", "Büşra",
        "Esra", "Derya", "Nur", "İrem",
    ],
};

pub const GREEK: NamePool = NamePool {
    script: Script::Greek,
    surnames: &[
        ("Παπαδόπουλος", "Παπαδοπούλου"),
        ("Γεωργίου", "Γεωργίου"),
        ("Νικολάου", "Νικολάου"),
        ("Παπαδάκης", "Παπαδάκη"),
        ("Οικονόμου", "Οικονόμου"),
        ("Βασιλείου", "Βασιλείου"),
        ("Κωνσταντίνου", "Κωνσταντίνου"),
        ("Ιωάννου", "Ιωάννου"),
        ("Δημητρίου", "Δημητρίου"),
        ("Μακρής", "Μακρή"),
        ("Παππάς", "Παππά"),
    ],
    male: &[
        "Γιώργος",
        "Δημήτρης",
        "Κωνσταντίνος",
        "Νίκος",
        "Ιωάννης",
        "Χρήστος",
        "Παναγιώτης",
        "Αλέξανδρος",
        "Σπύρος",
        "Θανάσης",
    ],
    female: &[
        "Μαρία",
        "Ελένη",
        "Αικατερίνη",
        "Σοφία",
        "Δέσποινα",
        "Γεωργία",
        "Αναστασία",
        "Ευαγγελία",
        "Χριστίνα",
        "Βασιλική",
    ],
};

pub const GREEK_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: &[
        ("Papadopoulos", "Papadopoulou"),
        ("Georgiou", "Georgiou"),
        ("Nikolaou", "Nikolaou"),
        ("Papadakis", "Papadaki"),
        ("Oikonomou", "Oikonomou"),
        ("Vasileiou", "Vasileiou"),
        ("Konstantinou", "Konstantinou"),
        ("Ioannou", "Ioannou"),
        ("Dimitriou", "Dimitriou"),
        ("Makris", "Makri"),
        ("Pappas", "Pappa"),
    ],
    male: &[
        "Georgios",
        "Dimitrios",
        "Konstantinos",
        "Nikolaos",
        "Ioannis",
        "Christos",
        "Panagiotis",
        "Alexandros",
        "Spyridon",
        "Athanasios",
    ],
    female: &[
        "Maria",
        "Eleni",
        "Aikaterini",
        "Sofia",
        "Despoina",
        "Georgia",
        "Anastasia",
        "Evangelia",
        "Christina",
        "Vasiliki",
    ],
};

pub const RUSSIAN: NamePool = NamePool {
    script: Script::Cyrillic,
    surnames: &[
        ("Иванов", "Иванова"),
        ("Смирнов", "Смирнова"),
        ("Кузнецов", "Кузнецова"),
        ("Попов", "Попова"),
        ("Соколов", "Соколова"),
        ("Лебедев", "Лебедева"),
        ("Козлов", "Козлова"),
        ("Новиков", "Новикова"),
        ("Морозов", "Морозова"),
        ("Волков", "Волкова"),
        ("Фёдоров", "Фёдорова"),
        ("Михайлов", "Михайлова"),
    ],
    male: &[
        "Александр",
        "Дмитрий",
        "Сергей",
        "Андрей",
        "Алексей",
        "Максим",
        "Иван",
        "Михаил",
        "Артём",
        "Никита",
    ],
    female: &[
        "Анна",
        "Мария",
        "Екатерина",
        "Ольга",
        "Наталья",
        "Елена",
        "Татьяна",
        "Юлия",
        "Дарья",
        "Ксения",
    ],
};

pub const RUSSIAN_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: &[
        ("Ivanov", "Ivanova"),
        ("Smirnov", "Smirnova"),
        ("Kuznetsov", "Kuznetsova"),
        ("Popov", "Popova"),
        ("Sokolov", "Sokolova"),
        ("Lebedev", "Lebedeva"),
        ("Kozlov", "Kozlova"),
        ("Novikov", "Novikova"),
        ("Morozov", "Morozova"),
        ("Volkov", "Volkova"),
        ("Fedorov", "Fedorova"),
        ("Mikhaylov", "Mikhaylova"),
    ],
    male: &[
        "Aleksandr",
        "Dmitriy",
        "Sergey",
        "Andrey",
        "Aleksey",
        "Maksim",
        "Ivan",
        "Mikhail",
        "Artem",
        "Nikita",
    ],
    female: &[
        "Anna",
        "Mariya",
        "Ekaterina",
        "Olga",
        "Natalya",
        "Elena",
        "Tatyana",
        "Yuliya",
        "Darya",
        "Kseniya",
    ],
};

pub const UKRAINIAN: NamePool = NamePool {
    script: Script::Cyrillic,
    surnames: same!(
        "Шевченко",
        "Коваленко",
        "Бондаренко",
        "Ткаченко",
        "Кравченко",
        "Олійник",
        "Мельник",
        "Поліщук",
        "Лисенко",
        "Савченко"
    ),
    male: &[
        "Олександр",
        "Андрій",
        "Тарас",
        "Богдан",
        "Юрій",
        "Олег",
        "Василь",
        "Дмитро",
    ],
    female: &[
        "Оксана",
        "Олена",
        "Ірина",
        "Наталія",
        "Тетяна",
        "Юлія",
        "Софія",
        "Галина",
    ],
};

pub const UKRAINIAN_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Shevchenko",
        "Kovalenko",
        "Bondarenko",
        "Tkachenko",
        "Kravchenko",
        "Oliinyk",
        "Melnyk",
        "Polishchuk",
        "Lysenko",
        "Savchenko"
    ),
    male: &[
        "Oleksandr",
        "Andrii",
        "Taras",
        "Bohdan",
        "Yurii",
        "Oleh",
        "Vasyl",
        "Dmytro",
    ],
    female: &[
        "Oksana", "Olena", "Iryna", "Nataliia", "Tetiana", "Yuliia", "Sofiia", "Halyna",
    ],
};

pub const BULGARIAN: NamePool = NamePool {
    script: Script::Cyrillic,
    surnames: &[
        ("Иванов", "Иванова"),
        ("Георгиев", "Георгиева"),
        ("Димитров", "Димитрова"),
        ("Петров", "Петрова"),
        ("Николов", "Николова"),
        ("Христов", "Христова"),
        ("Стоянов", "Стоянова"),
        ("Тодоров", "Тодорова"),
    ],
    male: &[
        "Георги",
        "Иван",
        "Димитър",
        "Николай",
        "Петър",
        "Христо",
        "Стоян",
        "Тодор",
    ],
    female: &[
        "Мария",
        "Иванка",
        "Елена",
        "Йорданка",
        "Пенка",
        "Радка",
        "Десислава",
        "Гергана",
    ],
};

pub const ARABIC: NamePool = NamePool {
    script: Script::Arabic,
    surnames: same!(
        "الحسن",
        "العلي",
        "المنصوري",
        "الشمري",
        "الزهراني",
        "القحطاني",
        "الهاشمي",
        "الخطيب",
        "النجار",
        "الحداد",
        "السيد",
        "عبد الله",
        "إبراهيم",
        "حسين",
        "يوسف",
        "الأنصاري"
    ),
    male: &[
        "محمد",
        "أحمد",
        "علي",
        "عمر",
        "خالد",
        "يوسف",
        "حسن",
        "إبراهيم",
        "عبد الرحمن",
        "سعيد",
        "طارق",
        "مصطفى",
    ],
    female: &[
        "فاطمة",
        "عائشة",
        "مريم",
        "نور",
        "ليلى",
        "سارة",
        "هدى",
        "زينب",
        "آمنة",
        "رانيا",
        "سلمى",
        "خديجة",
    ],
};

pub const ARABIC_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Al-Hassan",
        "Al-Ali",
        "Al-Mansouri",
        "Al-Shammari",
        "Al-Zahrani",
        "Al-Qahtani",
        "Al-Hashimi",
        "Al-Khatib",
        "Al-Najjar",
        "Al-Haddad",
        "El-Sayed",
        "Abdullah",
        "Ibrahim",
        "Hussein",
        "Youssef",
        "Al-Ansari"
    ),
    male: &[
        "Mohammed",
        "Ahmed",
        "Ali",
        "Omar",
        "Khaled",
        "Youssef",
        "Hassan",
        "Ibrahim",
        "Abdulrahman",
        "Saeed",
        "Tariq",
        "Mostafa",
    ],
    female: &[
        "Fatima", "Aisha", "Maryam", "Nour", "Layla", "Sara", "Huda", "Zainab", "Amina", "Rania",
        "Salma", "Khadija",
    ],
};

pub const DARI: NamePool = NamePool {
    script: Script::Arabic,
    surnames: same!(
        "احمدی",
        "محمدی",
        "حیدری",
        "رحیمی",
        "کریمی",
        "نوری",
        "صدیقی",
        "یوسفزی"
    ),
    male: &["احمد", "محمد", "عبدالله", "نجیب", "فرید", "حمید"],
    female: &["فریبا", "ملالی", "زهره", "شبنم"],
};

pub const DARI_LATIN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Ahmadi",
        "Mohammadi",
        "Haidari",
        "Rahimi",
        "Karimi",
        "Noori",
        "Siddiqi",
        "Yousafzai"
    ),
    male: &["Ahmad", "Mohammad", "Abdullah", "Najib", "Farid", "Hamid"],
    female: &["Fariba", "Malalai", "Zohra", "Shabnam"],
};

pub const SOMALI: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Mohamed", "Abdi", "Hassan", "Warsame", "Farah", "Omar", "Ali", "Jama"
    ),
    male: &["Abdirahman", "Mohamed", "Abdullahi", "Ahmed", "Yusuf"],
    female: &["Hodan", "Amina", "Faadumo", "Sahra", "Ifrah"],
};

pub const GERMAN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Schäfer",
        "Wagner",
        "Becker",
        "Groß",
        "Köhler",
        "Hoffmann",
        "Schröder",
        "Jäger",
        "Krüger"
    ),
    male: &[
        "Lukas",
        "Jonas",
        "Felix",
        "Maximilian",
        "Jürgen",
        "Stefan",
        "Tobias",
        "Sören",
    ],
    female: &[
        "Anna",
        "Lena",
        "Sophie",
        "Jana",
        "Käthe",
        "Hannah",
        "Sabine",
        "Franziska",
    ],
};

pub const FRENCH: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Lefèvre",
        "Dubois",
        "Moreau",
        "Girard",
        "Mercier",
        "Bérard",
        "Chevalier",
        "Lemaître",
        "Fournier",
        "Rousseau",
        "Brière"
    ),
    male: &[
        "Jean",
        "Étienne",
        "François",
        "Théo",
        "Jérôme",
        "Hugo",
        "Noël",
        "Loïc",
    ],
    female: &[
        "Chloé", "Élodie", "Amélie", "Hélène", "Camille", "Léa", "Inès", "Zoé",
    ],
};

pub const ITALIAN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
        "Greco", "De Luca", "D'Angelo"
    ),
    male: &[
        "Luca",
        "Marco",
        "Giuseppe",
        "Francesco",
        "Alessandro",
        "Matteo",
        "Niccolò",
    ],
    female: &[
        "Giulia",
        "Chiara",
        "Francesca",
        "Sara",
        "Martina",
        "Alessia",
        "Federica",
    ],
};

pub const ENGLISH: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas",
        "Johnson", "O'Brien", "Walker"
    ),
    male: &[
        "James", "Oliver", "Jack", "Harry", "George", "Michael", "David", "Daniel",
    ],
    female: &[
        "Emily",
        "Olivia",
        "Sophie",
        "Charlotte",
        "Amelia",
        "Jessica",
        "Grace",
        "Emma",
    ],
};

pub const DUTCH: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "de Vries",
        "van Dijk",
        "Jansen",
        "de Jong",
        "Bakker",
        "Visser",
        "Smit",
        "van den Berg",
        "Meijer",
        "Mulder"
    ),
    male: &["Daan", "Sem", "Lucas", "Bram", "Thijs", "Ruben"],
    female: &["Emma", "Julia", "Sanne", "Lotte", "Fleur", "Anouk"],
};

pub const SWEDISH: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Öberg",
        "Åström",
        "Lindqvist",
        "Bergström"
    ),
    male: &["Erik", "Lars", "Anders", "Björn", "Göran", "Oskar"],
    female: &["Anna", "Maja", "Elsa", "Linnéa", "Åsa", "Ingrid"],
};

pub const HUNGARIAN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Szőke",
        "Farkas", "Balogh"
    ),
    male: &[
        "László", "István", "Gábor", "Zoltán", "Péter", "Ádám", "Bence",
    ],
    female: &[
        "Erzsébet",
        "Katalin",
        "Zsófia",
        "Anna",
        "Réka",
        "Dóra",
        "Eszter",
    ],
};

pub const ROMANIAN: NamePool = NamePool {
    script: Script::Latin,
    surnames: same!(
        "Popescu",
        "Ionescu",
        "Popa",
        "Stan",
        "Dumitru",
        "Ștefănescu",
        "Constantinescu",
        "Gheorghiu",
        "Munteanu",
        "Dinu",
        "Rădulescu",
        "Țurcanu"
    ),
    male: &[
        "Andrei",
        "Mihai",
        "Ștefan",
        "Ion",
        "Alexandru",
        "Bogdan",
        "Răzvan",
    ],
    female: &[
        "Ioana",
        "Maria",
        "Elena",
        "Andreea",
        "Alexandra",
        "Ștefania",
        "Mădălina",
    ],
};

/// A name drawn from a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub surname: String,
    pub given_names: String,
    pub female: bool,
}

impl NamePool {
    /// A name of the chosen sex; one given name in five is double ("EMRE CAN").
    pub fn draw(&self, rng: &mut impl Rng, female: bool) -> Name {
        let givens = if female { self.female } else { self.male };
        let surname = self
            .surnames
            .choose(rng)
            .map(|(m, f)| if female { *f } else { *m })
            .unwrap_or("Doe");
        let first = givens.choose(rng).copied().unwrap_or("Alex");
        let mut given_names = first.to_owned();
        if rng.random_ratio(1, 5)
            && let Some(second) = givens.choose(rng)
            && *second != first
        {
            given_names.push(' ');
            given_names.push_str(second);
        }
        Name {
            surname: surname.to_owned(),
            given_names,
            female,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_in_the_script_they_claim() {
        for pool in [
            &SOUTH_SLAVIC_LATIN,
            &SERBIAN_CYRILLIC,
            &MACEDONIAN_CYRILLIC,
            &MACEDONIAN_LATIN,
            &SLOVENE,
            &ALBANIAN,
            &TURKISH,
            &GREEK,
            &GREEK_LATIN,
            &RUSSIAN,
            &RUSSIAN_LATIN,
            &UKRAINIAN,
            &UKRAINIAN_LATIN,
            &BULGARIAN,
            &ARABIC,
            &ARABIC_LATIN,
            &DARI,
            &DARI_LATIN,
            &SOMALI,
            &GERMAN,
            &FRENCH,
            &ITALIAN,
            &ENGLISH,
            &DUTCH,
            &SWEDISH,
            &HUNGARIAN,
            &ROMANIAN,
        ] {
            let names = pool
                .surnames
                .iter()
                .flat_map(|(m, f)| [*m, *f])
                .chain(pool.male.iter().copied())
                .chain(pool.female.iter().copied());
            for name in names {
                assert_eq!(Script::of(name), pool.script, "{name}");
                assert!(name.chars().count() <= 40, "{name}");
            }
            assert!(!pool.male.is_empty() && !pool.female.is_empty());
        }
    }

    #[test]
    fn script_detection() {
        assert_eq!(Script::of("Đurić"), Script::Latin);
        assert_eq!(Script::of("Ђурић"), Script::Cyrillic);
        assert_eq!(Script::of("عبد الله"), Script::Arabic);
        assert_eq!(Script::of("Παππάς"), Script::Greek);
        assert_eq!(Script::of("İrem"), Script::Latin);
        assert_eq!(Script::of("d'Angelo"), Script::Latin);
    }
}
