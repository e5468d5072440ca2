# corpus-messages: large, plain, spam, group
require "fileinto";
if size :over 10K { fileinto "Large"; }
elsif size :under 350 { fileinto "Tiny"; }
if size :over 100M { discard; }
