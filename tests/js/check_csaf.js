// CSAF 2.0 documents written by `vulnwatch vex export` checked by @secvisogram/csaf-validator-lib
// (BSI's validator library, which vulnwatch did not write): the strict JSON schema and every
// mandatory test (6.1.x), offline.
//
//   node check_csaf.js [--json] FILE...
//       every FILE must pass; prints one line per file (--json: one JSON object per file:
//       {"file","isValid","category","failed":[test names],"errors":[{"test","path","message"}]})
//   node check_csaf.js FILE... --expect-fail TEST FILE... [--expect-valid FILE...]
//       the FILEs after --expect-fail TEST must FAIL, and TEST (e.g. mandatoryTest_6_1_1) must
//       be among the failed tests: a mutation test, so the validator is shown to catch what it
//       should; --expect-valid switches back (all in one run: loading the library takes long)
//
// Exit code 0 when every file is as expected, 1 otherwise, 2 for a usage error.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

function libRoot() {
    const base = process.env.NODE_PATH || path.join(__dirname, '..', '..', 'node_modules');
    return path.join(base.split(path.delimiter)[0], '@secvisogram', 'csaf-validator-lib');
}

async function loadValidator() {
    const root = libRoot();
    const load = (file) => import(pathToFileURL(path.join(root, file)).href);
    // validate.js runs the tests it is given (validateStrict.js would load the optional and
    // informative tests as well, only to check that these are the library's own); these are.
    const validate = (await load('validate.js')).default;
    const schema = await load('schemaTests.js');
    const mandatory = await load('mandatoryTests.js');
    const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory)];
    return (doc) => validate(tests, doc);
}

async function main() {
    const args = process.argv.slice(2);
    let json = false;
    let expectFail = null;
    const files = []; // [file, the test it must fail or null]
    for (let i = 0; i < args.length; ++i) {
        if (args[i] === '--json') {
            json = true;
        } else if (args[i] === '--expect-fail') {
            expectFail = args[++i];
            if (!expectFail) {
                console.error('check_csaf.js: --expect-fail needs a test name');
                return 2;
            }
        } else if (args[i] === '--expect-valid') {
            expectFail = null;
        } else {
            files.push([args[i], expectFail]);
        }
    }
    if (files.length === 0) {
        console.error('usage: node check_csaf.js [--json] FILE... [--expect-fail TEST FILE...]');
        return 2;
    }
    const validate = await loadValidator();
    let ok = true;
    for (const [file, expectFail] of files) {
        let doc;
        try {
            doc = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (e) {
            console.error(`${file}: not JSON: ${e.message}`);
            ok = false;
            continue;
        }
        const result = await validate(doc);
        const failedTests = result.tests.filter((t) => !t.isValid);
        const failed = failedTests.map((t) => t.name);
        const errors = [];
        for (const t of failedTests) {
            for (const e of t.errors) {
                errors.push({ test: t.name, path: e.instancePath, message: e.message });
            }
        }
        const category = doc.document && doc.document.category;
        if (json) {
            console.log(JSON.stringify({ file, isValid: result.isValid, category, failed, errors }));
        }
        if (expectFail) {
            if (result.isValid || !failed.includes(expectFail)) {
                ok = false;
                console.error(`${file}: expected ${expectFail} to fail; failed: ` +
                              `${JSON.stringify(failed)}`);
            } else if (!json) {
                console.log(`caught ${file}: ${failed.join(', ')}: ` +
                            errors.map((e) => `${e.path} ${e.message}`).join('; '));
            }
        } else if (!result.isValid) {
            ok = false;
            console.error(`${file}: INVALID (${category}):`);
            for (const e of errors) {
                console.error(`  ${e.test} ${e.path}: ${e.message}`);
            }
        } else if (!json) {
            const vulns = Array.isArray(doc.vulnerabilities) ? doc.vulnerabilities.length : 0;
            console.log(`valid ${file} (${category}, ${vulns} vulnerabilities, ` +
                        `${result.tests.length} tests)`);
        }
    }
    return ok ? 0 : 1;
}

main().then((code) => { process.exitCode = code; },
            (e) => { console.error(e && e.stack || String(e)); process.exitCode = 1; });
