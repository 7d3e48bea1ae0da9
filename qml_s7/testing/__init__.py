"""Test equipment that tests/ and bench/ share: a hostile fake PLC and a fuzzer (``hostile``)."""
