//! Data loading: [`Dataset`] (features with class labels or real targets), splitting,
//! shuffling and batching, [`Standardizer`], and readers for CSV tables and MNIST's IDX files.
//!
//! Every reader checks what it reads and says where it went wrong: a CSV error names the line
//! and column, an IDX error the file and what its header claims. No reader allocates memory
//! of a size a file's header claims before checking the claim against the data that is there.
//! Nothing is downloaded at run time: MNIST is read from files a user downloads.
//!
//! ```
//! use nn_runtime::data::{CsvOptions, read_csv_from};
//! use nn_runtime::Standardizer;
//! let text = "x1,x2,label\n0.5,10,0\n1.5,30,1\n1.0,20,0\n2.0,40,1\n";
//! let data = read_csv_from::<f32, _>(text.as_bytes(), "toy.csv", &CsvOptions::default()).unwrap();
//! let (train, test) = data.split(0.5, 0).unwrap();
//! let (scaler, train) = Standardizer::fit_transform(&train);
//! let test = scaler.transform(&test).unwrap();
//! assert_eq!((train.len(), test.len(), test.n_features()), (2, 2, 2));
//! ```

mod csv_reader;
mod dataset;
mod idx;
mod standardize;

pub use csv_reader::{CsvOptions, LabelColumn, LabelKind, read_csv, read_csv_from};
pub use dataset::{Batches, Dataset, Labels};
pub use idx::{
    Split, load_mnist, parse_idx_images, parse_idx_labels, read_idx_images, read_idx_labels,
};
pub use standardize::Standardizer;

use crate::Error;

/// An [`Error::Io`] for `context` (a path or a name): `what` failed, and the system's reason.
fn io_error(context: &str, err: &std::io::Error, what: &str) -> Error {
    Error::Io {
        context: context.to_owned(),
        kind: err.kind(),
        message: format!("{what}: {err}"),
    }
}
