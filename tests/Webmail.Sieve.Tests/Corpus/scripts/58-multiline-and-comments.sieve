/* A bracketed comment
   over lines */
require ["fileinto"]; # trailing comment
if header :contains "subject" text:
lunch
.
{
    fileinto "multiline-key";
}
if header :contains "subject" "lunch\r\n" { fileinto "never-crlf"; }
if header :contains "subject" "\l\u\n\c\h" { fileinto "escaped-letters"; }
