require "fileinto";
if allof (address :domain "from" "example.com", header :contains "subject" "lunch") { fileinto "all"; }
if anyof (exists "x-spam-flag", header :contains "subject" "invoice") { fileinto "any"; }
if not anyof (exists "list-id", exists "x-spam-flag") { fileinto "neither"; }
if allof (true, not false, anyof (false, true)) { fileinto "constants"; }
