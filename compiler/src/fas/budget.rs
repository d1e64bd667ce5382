//! A deterministic work budget: units of work, never seconds.

/// Work units left for the local improvement of one component. A unit is roughly one
/// edge looked at or one node shifted, so a budget gives the same answer on every machine.
pub(super) struct Budget {
    left: u64,
    spent: u64,
}

impl Budget {
    pub(super) fn new(units: u64) -> Budget {
        Budget {
            left: units,
            spent: 0,
        }
    }

    /// Spends `units`; false once the budget is used up.
    pub(super) fn spend(&mut self, units: u64) -> bool {
        self.spent += units;
        self.left = self.left.saturating_sub(units);
        self.left > 0
    }

    pub(super) fn exhausted(&self) -> bool {
        self.left == 0
    }

    pub(super) fn spent(&self) -> u64 {
        self.spent
    }
}
