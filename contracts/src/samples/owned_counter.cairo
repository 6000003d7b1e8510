//! A minimal contract showing the layout every Ciro contract follows: an interface, named
//! errors and the contract, each in its own file. Used by the toolchain's own tests.
mod errors;
mod interface;
mod owned_counter;

use owned_counter::OwnedCounter;
