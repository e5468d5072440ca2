# corpus-messages: plain
require "vacation-seconds";
vacation :seconds 172800 :handle "summer" :from "bob@example.net" "Back in two days.";
