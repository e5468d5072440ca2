require ["variables", "fileinto"];
if header :matches "subject" "**lunch**" { fileinto "double-star-${1}-${2}-${3}-${4}"; }
if header :matches "subject" "*?" { fileinto "last-char-${2}"; }
if header :matches "subject" "?*?" { fileinto "first-${1}-last-${3}"; }
if header :matches "subject" "*\\?" { fileinto "ends-with-question"; }
if header :matches "subject" "*!!!" { fileinto "exclaims-${1}"; }
if header :matches "from" "*<*>" { fileinto "angle-${2}"; }
if header :matches "subject" "" { fileinto "never-empty"; }
if header :matches "x-spam-score" "1?" { fileinto "score-1x-${1}"; }
if header :matches ["subject", "from"] ["*release*", "*frank*"] { fileinto "lists-${1}"; }
