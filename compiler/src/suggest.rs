//! Did-you-mean: the closest candidate to a misspelled name.

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo
/// (at most one edit for short names, a third of the length for longer ones). Ties go to
/// the lexicographically smallest, so answers are deterministic.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    // Called with every name of an archive as candidates: the buffers are reused.
    let a: Vec<char> = name.chars().collect();
    let mut b: Vec<char> = Vec::new();
    let mut rows: [Vec<usize>; 3] = Default::default();
    let sig = signature(name);
    let counts = char_counts(name);
    for candidate in candidates {
        if candidate == name || candidate.len().abs_diff(name.len()) > limit {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d);
        // An edit changes which characters occur by at most two, so names whose sets of
        // characters differ by more than twice the bound are skipped without the table;
        // so are those whose bags of characters differ by more than the bound.
        if (sig ^ signature(candidate)).count_ones() as usize > 2 * bound || bag_distance(&counts, candidate) > bound {
            continue;
        }
        b.clear();
        b.extend(candidate.chars());
        if let Some(d) = bounded_distance(&a, &b, bound, &mut rows)
            && best.is_none_or(|(bd, bc)| d < bd || (d == bd && candidate < bc))
        {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// The characters a name holds, folded into 128 bits (ASCII, which names mostly are, one
/// bit each).
fn signature(name: &str) -> u128 {
    name.chars().fold(0, |sig, c| sig | 1 << (c as u32 % 128))
}

/// How many times each character occurs (folded to 128 classes).
fn char_counts(name: &str) -> [i16; 128] {
    let mut counts = [0i16; 128];
    for c in name.chars() {
        counts[c as usize % 128] = counts[c as usize % 128].saturating_add(1);
    }
    counts
}

/// The bag distance of `name` (by its counts) and `candidate`: the larger of the numbers
/// of characters only one of them has, counted with multiplicity. A lower bound of the
/// edit distance (an edit changes it by one at most, a swap not at all), and much sharper
/// than the signatures on long names, which share most of their letters.
fn bag_distance(counts: &[i16; 128], candidate: &str) -> usize {
    let mut diff = *counts;
    for c in candidate.chars() {
        diff[c as usize % 128] = diff[c as usize % 128].saturating_sub(1);
    }
    let (mut more, mut fewer) = (0usize, 0usize);
    for d in diff {
        if d > 0 {
            more += d as usize;
        } else {
            fewer += d.unsigned_abs() as usize;
        }
    }
    more.max(fewer)
}

/// Edit distance counting a swap of neighbours as one edit (optimal string alignment),
/// if it is at most `bound`. `rows` is scratch space.
fn bounded_distance(a: &[char], b: &[char], bound: usize, rows: &mut [Vec<usize>; 3]) -> Option<usize> {
    let width = b.len() + 1;
    for row in rows.iter_mut() {
        row.clear();
        row.resize(width, 0);
    }
    for (j, cell) in rows[1].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (before, rest) = rows.split_at_mut(2);
        let (two_up, one_up) = (&before[0], &before[1]);
        let cur = &mut rest[0];
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (one_up[j - 1] + cost).min(one_up[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(two_up[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > bound {
            return None;
        }
        rows.rotate_left(1);
    }
    let d = rows[1][b.len()];
    (d <= bound).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["build-depends", "output", "version", "stage"];
        assert_eq!(did_you_mean("build-depend", names).as_deref(), Some("build-depends"));
        assert_eq!(did_you_mean("ouptut", names).as_deref(), Some("output"));
        assert_eq!(did_you_mean("license", names), None);
        assert_eq!(did_you_mean("x", ["y", "z"]).as_deref(), Some("y"));
        assert_eq!(did_you_mean("biuld", ["build", "check"]).as_deref(), Some("build"));
        assert_eq!(did_you_mean("stgae1", ["stage1", "stage2"]).as_deref(), Some("stage1"));
    }

    /// The character-set filter is a lower bound: it never skips a name within reach.
    #[test]
    fn signature_and_bag_distances_bound_the_distance() {
        let names = ["libc6", "libc6-dev", "lib6c", "cl6bi", "python3", "pyhton3", "gcc-10", "g++-10", "zlib1g", "ülib", "", "a"];
        let mut rows = Default::default();
        for a in names {
            for b in names {
                let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let d = super::bounded_distance(&x, &y, usize::MAX / 4, &mut rows).expect("unbounded");
                let lower = (super::signature(a) ^ super::signature(b)).count_ones() as usize;
                assert!(lower <= 2 * d, "{a} / {b}: {lower} > 2 × {d}");
                let bag = super::bag_distance(&super::char_counts(a), b);
                assert!(bag <= d, "{a} / {b}: bag distance {bag} > {d}");
            }
        }
    }
}
