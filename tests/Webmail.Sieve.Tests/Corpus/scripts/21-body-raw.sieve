# corpus-messages: plain, multipart, attachment
require ["body", "fileinto"];
if body :raw :contains "Content-Transfer-Encoding: base64" { fileinto "raw-base64"; }
if body :raw :contains "=E2=82=AC" { fileinto "raw-qp"; }
if body :raw :contains "Hi Bob" { fileinto "raw-plain"; }
