"""The reference corpus: Go test plugins, the reference host, and the script that builds them.

Nothing built here is committed: builds and transcripts go to a cache keyed by
source hash and toolchain (see ``corpus.builds``).
"""
