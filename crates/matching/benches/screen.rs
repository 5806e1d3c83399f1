//! Building a screener and screening queries against it, over lists the size of the UN list
//! (3,000 names), OFAC's (20,000), 100,000 and, with `GATEHOUSE_BENCH_MILLION=1`, 1,000,000.
//!
//! Lists are made from the Wikidata name pairs of `$GATEHOUSE_FIXTURES/names/netransliteration`
//! (Latin with Cyrillic, Latin with Arabic): given and family names drawn at random, listed in
//! Latin, with a second name in the other script for half the entries and a `FAMILY, Given` form
//! for a fifth. Queries are entries' names as a passport (MRZ), a booking (surname first), the
//! other script or a typo would give them, and one in five a name made up from the same words.
//! Before divan runs, each list's build time and the latency percentiles of its queries (one
//! thread) are printed.
//!
//! `GATEHOUSE_FIXTURES=/work/shared/fixtures cargo bench -p gatehouse-matching --bench screen`

use std::collections::HashMap;
use std::env;
use std::fs;
use std::path::PathBuf;
use std::process;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use divan::Bencher;
use divan::counter::ItemsCount;
use gatehouse_matching::{Birth, DEFAULT_THRESHOLD, Entry, ListName, NameQuality, Query, Screener};

/// A name in Latin letters and in another script.
#[derive(Clone)]
struct Name {
    latin: String,
    other: String,
}

/// Name pools: Latin–Cyrillic and Latin–Arabic.
struct Pools {
    cyrillic: Vec<Name>,
    arabic: Vec<Name>,
}

static POOLS: LazyLock<Pools> = LazyLock::new(|| {
    let Some(dir) = env::var_os("GATEHOUSE_FIXTURES").map(PathBuf::from) else {
        eprintln!("GATEHOUSE_FIXTURES must point at the shared fixtures");
        process::exit(2);
    };
    let read = |file: &str| {
        let path = dir.join("names/netransliteration").join(file);
        match fs::read_to_string(&path) {
            Ok(text) => pool(&text),
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                process::exit(2);
            }
        }
    };
    Pools {
        cyrillic: read("wd_russian_80"),
        arabic: read("wd_arabic.normalized.aligned.tokens"),
    }
});

fn pool(text: &str) -> Vec<Name> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let latin = fields.next()?.trim();
            let other = fields.next()?.replace(' ', "");
            let mut chars = latin.chars();
            let first = chars.next()?;
            Some(Name {
                latin: first.to_uppercase().chain(chars).collect(),
                other,
            })
        })
        .filter(|n| n.latin.chars().count() > 2)
        .collect()
}

/// xorshift64: the same lists and queries on every run.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Person {
    given: Name,
    family: Name,
    born: i32,
}

fn person(random: &mut Random) -> Person {
    let pool = if random.chance(65) {
        &POOLS.cyrillic
    } else {
        &POOLS.arabic
    };
    Person {
        given: pool[random.below(pool.len())].clone(),
        family: pool[random.below(pool.len())].clone(),
        born: 1940 + random.below(60) as i32,
    }
}

fn entries(aliases: usize, random: &mut Random) -> (Vec<Entry>, Vec<Person>) {
    let mut entries = Vec::new();
    let mut people = Vec::new();
    let mut count = 0;
    while count < aliases {
        let p = person(random);
        let mut names = vec![ListName::new(
            format!("{} {}", p.given.latin, p.family.latin),
            NameQuality::Primary,
        )];
        if random.chance(50) {
            let other = format!("{} {}", p.given.other, p.family.other);
            names.push(ListName::new(other, NameQuality::Strong));
        }
        if random.chance(20) {
            let listed = format!("{}, {}", p.family.latin.to_uppercase(), p.given.latin);
            names.push(ListName::new(listed, NameQuality::Strong));
        }
        names.truncate(aliases - count);
        count += names.len();
        entries.push(Entry {
            id: format!("E{}", entries.len()),
            names,
            births: vec![Birth::Year(p.born)],
            ..Entry::default()
        });
        people.push(p);
    }
    (entries, people)
}

fn queries(people: &[Person], random: &mut Random) -> Vec<Query> {
    (0..2_000)
        .map(|_| {
            if random.chance(20) {
                let p = person(random);
                return Query::name(format!("{} {}", p.given.latin, p.family.latin));
            }
            let p = &people[random.below(people.len())];
            let (given, family) = (&p.given.latin, &p.family.latin);
            let name = match random.below(4) {
                0 => format!("{}<<{}", family.to_uppercase(), given.to_uppercase()),
                1 => format!("{family} {given}"),
                2 => format!("{} {}", p.given.other, p.family.other),
                _ => {
                    // A letter dropped from the family name.
                    let mut chars: Vec<char> = family.chars().collect();
                    chars.remove(chars.len() / 2);
                    format!("{given} {}", chars.into_iter().collect::<String>())
                }
            };
            Query {
                birth: random.chance(50).then_some(Birth::Year(p.born)),
                ..Query::name(name)
            }
        })
        .collect()
}

struct List {
    screener: Screener,
    queries: Vec<Query>,
}

static LISTS: LazyLock<Mutex<HashMap<usize, &'static List>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn list(aliases: usize) -> &'static List {
    let mut lists = LISTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    lists.entry(aliases).or_insert_with(|| {
        let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ aliases as u64);
        let (entries, people) = entries(aliases, &mut random);
        let queries = queries(&people, &mut random);
        let started = Instant::now();
        let screener = Screener::build(entries);
        eprintln!(
            "{aliases} aliases: built in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        Box::leak(Box::new(List { screener, queries }))
    })
}

fn sizes() -> Vec<usize> {
    let mut sizes = vec![3_000, 20_000, 100_000];
    if env::var_os("GATEHOUSE_BENCH_MILLION").is_some() {
        sizes.push(1_000_000);
    }
    sizes
}

/// One query after another, cycling through the list's queries.
#[divan::bench(args = sizes())]
fn screen(bencher: Bencher, aliases: usize) {
    let list = list(aliases);
    let mut next = 0;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let query = &list.queries[next % list.queries.len()];
        next += 1;
        divan::black_box(list.screener.screen(query, DEFAULT_THRESHOLD, 10))
    });
}

/// Building the list of 20,000 (the others are built once, and timed, before the benches).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn build(bencher: Bencher) {
    let mut random = Random(7);
    let (entries, _) = entries(20_000, &mut random);
    bencher
        .with_inputs(|| entries.clone())
        .bench_local_values(|entries| divan::black_box(Screener::build(entries)));
}

/// Per-query latency on one thread, and the hit rate, for each list.
fn latencies() {
    for aliases in sizes() {
        let list = list(aliases);
        let mut times: Vec<f64> = Vec::with_capacity(list.queries.len() * 3);
        let mut hits = 0;
        let (mut words, mut candidates) = (0, 0);
        let started = Instant::now();
        for _ in 0..3 {
            for query in &list.queries {
                let t = Instant::now();
                let (found, stats) = list
                    .screener
                    .screen_with_stats(query, DEFAULT_THRESHOLD, 10);
                times.push(t.elapsed().as_secs_f64() * 1e6);
                hits += usize::from(!found.is_empty());
                words += stats.words_compared;
                candidates += stats.candidates;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        eprintln!(
            "{aliases} aliases: {:.0} queries/s, p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs, \
             {:.0}% of queries hit; per query {:.0} words compared, {:.0} names scored",
            times.len() as f64 / elapsed,
            at(0.5),
            at(0.99),
            at(1.0),
            100.0 * hits as f64 / times.len() as f64,
            words as f64 / times.len() as f64,
            candidates as f64 / times.len() as f64,
        );
    }
}

fn main() {
    latencies();
    divan::main();
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
