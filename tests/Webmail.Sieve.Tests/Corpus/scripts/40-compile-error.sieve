# corpus-messages: plain
# fileinto without require "fileinto" is refused before the script runs.
if true { fileinto "x"; }
