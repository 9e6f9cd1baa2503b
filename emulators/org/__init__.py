"""The vendor-neutral organisation generator."""
