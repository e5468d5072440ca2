# corpus-messages: large, plain
require "fileinto";
fileinto "f01"; fileinto "f02"; fileinto "f03"; fileinto "f04"; fileinto "f05"; fileinto "f06";
fileinto "f07"; fileinto "f08"; fileinto "f09"; fileinto "f10"; fileinto "f11"; fileinto "f12";
fileinto "f13"; fileinto "f14"; fileinto "f15"; fileinto "f16"; fileinto "f17"; fileinto "f18";
fileinto "f19"; fileinto "f20"; fileinto "f21"; fileinto "f22"; fileinto "f23"; fileinto "f24";
fileinto "f25"; fileinto "f26"; fileinto "f27"; fileinto "f28"; fileinto "f29"; fileinto "f30";
fileinto "f31"; fileinto "f32";
if size :over 10K { fileinto "f33"; }
