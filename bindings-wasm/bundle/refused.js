// The Node-only entry in a page: a bundler building for browsers must refuse it, as `credoffer/issuer` has no
// browser build.
import { Issuer } from 'credoffer/issuer';

console.log(Issuer);
