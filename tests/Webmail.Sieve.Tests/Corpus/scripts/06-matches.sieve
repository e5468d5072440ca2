require "fileinto";
if header :matches "subject" "[dev] *" { fileinto "dev"; }
if header :matches "subject" "*WON * dollars*" { fileinto "won"; }
if header :matches "subject" "Your invoice ????" { fileinto "invoice4"; }
if header :matches "subject" "Your invoice ???" { fileinto "invoice3"; }
if header :matches "subject" "*" { fileinto "any"; }
if header :matches "subject" "\\[SPAM\\]*" { fileinto "escaped"; }
if header :matches "from" "*@example.?om" { fileinto "question"; }
