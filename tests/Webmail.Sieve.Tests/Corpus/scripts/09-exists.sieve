require "fileinto";
if exists "list-id" { fileinto "Lists"; }
if exists ["X-Spam-Flag", "X-Spam-Score"] { fileinto "Spam"; }
if exists ["From", "X-Does-Not-Exist"] { fileinto "never"; }
if not exists "cc" { fileinto "no-cc"; }
