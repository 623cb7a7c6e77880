//! "Did you mean" for unknown names, with rustc's rule (`rustc_span::edit_distance`,
//! `find_best_match_for_name`):
//!
//! 1. a case-insensitive exact match (`ReLU` -> `relu`);
//! 2. the closest name within a restricted Damerau-Levenshtein distance of
//!    `max(len, 3) / 3` (`dens` -> `dense`);
//! 3. the same words in another order, split on `_` (`normal_he` -> `he_normal`).
//!
//! [`hint`] searches the categories a slot expects first, and then the others, so a name in
//! the wrong slot is named for what it is ("`he_normal` is an initializer, not a layer").

use crate::vocab::Category;

/// The best match for `name` among `candidates`, by rustc's rule; `None` if nothing is close.
pub(crate) fn best_match<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lowercase = name.to_lowercase();
    if let Some(exact) = candidates
        .iter()
        .find(|candidate| candidate.to_lowercase() == lowercase)
    {
        return Some(exact);
    }
    let max_distance = name.chars().count().max(3) / 3;
    let closest = candidates
        .iter()
        .map(|candidate| (strsim::osa_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= max_distance)
        .min_by_key(|(distance, _)| *distance);
    if let Some((_, candidate)) = closest {
        return Some(candidate);
    }
    let words = sorted_words(&lowercase);
    candidates
        .iter()
        .find(|candidate| sorted_words(candidate) == words)
        .copied()
}

fn sorted_words(name: &str) -> Vec<&str> {
    let mut words: Vec<&str> = name.split('_').filter(|word| !word.is_empty()).collect();
    words.sort_unstable();
    words
}

/// What to tell the user about a name that is not valid in its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// A close name of an expected category.
    DidYouMean(&'static str),
    /// The name is (or is close to) a name of another category.
    OtherCategory {
        name: &'static str,
        category: Category,
        /// Whether `name` is exactly what was written.
        exact: bool,
    },
    /// Nothing is close.
    Nothing,
}

/// A hint for `name`, written where a name of one of the `expected` categories belongs.
pub(crate) fn hint(name: &str, expected: &[Category]) -> Hint {
    let others = || {
        Category::ALL
            .into_iter()
            .filter(|category| !expected.contains(category))
    };
    for category in others() {
        if let Some(found) = category
            .names()
            .iter()
            .find(|candidate| **candidate == name)
        {
            return Hint::OtherCategory {
                name: found,
                category,
                exact: true,
            };
        }
    }
    let expected_names: Vec<&'static str> = expected
        .iter()
        .flat_map(|category| category.names().iter().copied())
        .collect();
    if let Some(found) = best_match(name, &expected_names) {
        return Hint::DidYouMean(found);
    }
    for category in others() {
        if let Some(found) = best_match(name, category.names()) {
            return Hint::OtherCategory {
                name: found,
                category,
                exact: false,
            };
        }
    }
    Hint::Nothing
}

/// Lists names for a message: "`a`, `b` or `c`".
pub(crate) fn list(names: &[&str], conjunction: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{ACTIVATIONS, INITIALIZERS};

    #[test]
    fn missing_letter() {
        assert_eq!(best_match("dens", &["dense", "dropout"]), Some("dense"));
        assert_eq!(best_match("he_norml", INITIALIZERS), Some("he_normal"));
        assert_eq!(best_match("sigmod", ACTIVATIONS), Some("sigmoid"));
    }

    #[test]
    fn extra_and_swapped_letters() {
        assert_eq!(best_match("reluu", ACTIVATIONS), Some("relu"));
        assert_eq!(best_match("tnah", ACTIVATIONS), Some("tanh"));
        assert_eq!(
            best_match("glorot_unifrom", INITIALIZERS),
            Some("glorot_uniform")
        );
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(best_match("ReLU", ACTIVATIONS), Some("relu"));
        assert_eq!(best_match("He_Normal", INITIALIZERS), Some("he_normal"));
        assert_eq!(best_match("PReLU", ACTIVATIONS), Some("prelu"));
    }

    #[test]
    fn transposed_words() {
        assert_eq!(best_match("normal_he", INITIALIZERS), Some("he_normal"));
        assert_eq!(
            best_match("uniform_glorot", INITIALIZERS),
            Some("glorot_uniform")
        );
        assert_eq!(best_match("relu_leaky", ACTIVATIONS), Some("leaky_relu"));
    }

    #[test]
    fn best_fit_wins() {
        // `selu` is one edit from both `relu` and `elu`; the exact name wins outright.
        assert_eq!(best_match("selu", ACTIVATIONS), Some("selu"));
        // one edit from `relu`, two from `elu`
        assert_eq!(best_match("rel", ACTIVATIONS), Some("relu"));
    }

    #[test]
    fn unrelated() {
        assert_eq!(best_match("conv2d", ACTIVATIONS), None);
        assert_eq!(best_match("maxpool", INITIALIZERS), None);
        assert_eq!(best_match("", ACTIVATIONS), None);
        assert_eq!(
            hint("lstm", &[Category::Layer, Category::Activation]),
            Hint::Nothing
        );
    }

    #[test]
    fn wrong_category() {
        assert_eq!(
            hint("he_normal", &[Category::Activation]),
            Hint::OtherCategory {
                name: "he_normal",
                category: Category::Initializer,
                exact: true
            }
        );
        assert_eq!(
            hint("batchnorm", &[Category::Activation, Category::Initializer]),
            Hint::OtherCategory {
                name: "batchnorm",
                category: Category::Layer,
                exact: true
            }
        );
    }

    #[test]
    fn wrong_category_and_misspelled() {
        assert_eq!(
            hint("he_normall", &[Category::Layer, Category::Activation]),
            Hint::OtherCategory {
                name: "he_normal",
                category: Category::Initializer,
                exact: false
            }
        );
    }

    #[test]
    fn expected_category_first() {
        // `lecun` is far from every activation, close to nothing: no hint at all.
        assert_eq!(hint("lecun", &[Category::Activation]), Hint::Nothing);
        // `relu` would also be close to nothing else: expected category first.
        assert_eq!(
            hint("rleu", &[Category::Activation]),
            Hint::DidYouMean("relu")
        );
        assert_eq!(
            hint("init_mismatc", &[Category::Allow]),
            Hint::DidYouMean("init_mismatch")
        );
    }

    #[test]
    fn lists() {
        assert_eq!(list(&[], "or"), "");
        assert_eq!(list(&["a"], "or"), "`a`");
        assert_eq!(list(&["a", "b", "c"], "or"), "`a`, `b` or `c`");
    }
}
