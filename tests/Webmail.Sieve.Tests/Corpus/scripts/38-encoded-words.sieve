# corpus-messages: encoded, odd-addresses, forwarded, plain
require "fileinto";
if header :contains "subject" "Réunion de l'équipe" { fileinto "decoded-subject"; }
if header :is "x-tag" "CAFÉ" { fileinto "casemap-is-ascii-only"; }
if header :is "x-tag" "café" { fileinto "decoded-tag"; }
if header :contains "from" "Renée François" { fileinto "decoded-from"; }
if address :all :is "from" "renee@exemple.fr" { fileinto "address"; }
if header :contains "to" "Jörg" { fileinto "latin1"; }
if header :contains "subject" "=?UTF-8?" { fileinto "never"; }
