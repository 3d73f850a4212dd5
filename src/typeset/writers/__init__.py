"""Writers: a `Source` written back out as a manuscript (`typeset convert`)."""
