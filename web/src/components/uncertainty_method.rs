//! The methods page's account of the uncertainty: what the intervals, p-values and detectable effects
//! are, with their formulas (the ones `shared::uncertainty` implements).

use left_behind_shared::uncertainty::{DEFAULT_RESAMPLES, DEFAULT_SEED, MDE_MULTIPLIER};
use left_behind_shared::{DEFAULT_DETECTABLE_EFFECT_PP, format_number, group_thousands};
use leptos::prelude::*;

#[component]
pub fn UncertaintyMethod() -> impl IntoView {
    view! {
        <section aria-labelledby="uncertainty-heading" data-testid="uncertainty-method">
            <h2 id="uncertainty-heading">"Uncertainty"</h2>
            <p>
                "The same 50 questions are asked of every model in every condition, so answers to one question are not independent: "
                "the questions are the clusters, and every comparison of two conditions is paired (the same model, the same question). "
                "A score s" <sub>"i"</sub> " is a row's total as a percentage of 6; failed gradings are left out, as in every mean."
            </p>
            <ul class="formulas">
                <li>
                    <strong>"Standard error"</strong> " of a mean over n rows in K questions (clustered by question): "
                    <code>"SE = √(K / (K − 1)) · √( Σ_q ( Σ_{i in q} (s_i − mean) )² ) / n"</code>
                    ". With one question it is undefined, and the site says so."
                </li>
                <li>
                    <strong>"95% interval"</strong> ": the percentile cluster bootstrap. "
                    {format!("{} times", group_thousands(DEFAULT_RESAMPLES))}
                    ", draw K question ids with replacement, take all rows of each drawn question and recompute the mean; "
                    "the interval runs from the 2.5th to the 97.5th percentile of those means."
                </li>
                <li>
                    <strong>"Contrasts"</strong> " (C2 − C1 and C4 − C1, the gap to English; C3 − C2 and C5 − C4, the transfer effect): "
                    "the differences d = s(A, model, q) − s(B, model, q) over the (model, question) pairs scored in both conditions, "
                    "their mean with the SE and bootstrap interval above (clusters = questions)."
                </li>
                <li>
                    <strong>"p-value"</strong> ": a two-sided sign-flip permutation test at the question level. "
                    "Under no effect, each question's summed difference is as likely to be negative as positive; "
                    {format!("{} times", group_thousands(DEFAULT_RESAMPLES))}
                    ", flip the sign of each question's sum at random and count the draws whose mean is at least as far from 0; "
                    <code>"p = (hits + 1) / (draws + 1)"</code>
                    ". Many contrasts are tested at once: the tables give the Holm-adjusted p beside the raw one and say how many contrasts it covers."
                </li>
                <li>
                    <strong>"What the design can detect"</strong> ": the minimum detectable effect at 5% significance and 80% power is "
                    <code>{format!("MDE = {} × SE", format_number(MDE_MULTIPLIER, 2, false))}</code>
                    "; to detect an effect E (the tables use "
                    {format_number(DEFAULT_DETECTABLE_EFFECT_PP, 0, false)}
                    " points) a study needs about "
                    <code>{format!("K × ({} × SE / E)²", format_number(MDE_MULTIPLIER, 2, false))}</code>
                    " questions."
                </li>
            </ul>
            <p>
                "The random draws are deterministic: xoshiro256++ (the rand_xoshiro crate), each statistic with a stream of its own seeded by SplitMix64 from "
                {format!("seed {DEFAULT_SEED}")}
                " XOR the FNV-1a hash of the statistic's name, so the site and "
                <code>"left-behind report"</code>
                " print the same intervals ("<code>"--seed"</code>" and "<code>"--resamples"</code>" change them there). "
                "The overview computes them just after it first appears."
            </p>
        </section>
    }
}
