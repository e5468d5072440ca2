# corpus-messages: multipart, attachment, forwarded, plain, large
require ["body", "fileinto"];
if body :contains "invoice number 4711" { fileinto "body-invoice"; }
if body :text :contains "lunch on Friday" { fileinto "body-lunch"; }
if body :contains "<b>invoice</b>" { fileinto "body-html-in-text"; }
if body :contains "SECRETWORD" { fileinto "body-attachment-in-text"; }
if body :matches "*noon*" { fileinto "body-matches"; }
