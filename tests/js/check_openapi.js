// ctest js.openapi: web/openapi.json (served at /api/v1/openapi.json) is a valid OpenAPI 3.1
// document by @apidevtools/swagger-parser (schema and semantic checks, every $ref resolved),
// and it documents the operations the server routes (web/api.cpp routes()).
//
//   node check_openapi.js OPENAPI.json
'use strict';
const SwaggerParser = require('@apidevtools/swagger-parser');

const expected = [
    'GET /api/v1/health', 'GET /api/v1/openapi.json', 'GET /api/v1/me',
    'GET /api/v1/advisories', 'GET /api/v1/advisories/{id}', 'GET /api/v1/products',
    'POST /api/v1/products/{name}/versions/{version}/sbom',
    'GET /api/v1/matches', 'GET /api/v1/cases', 'GET /api/v1/cases/{id}',
    'POST /api/v1/cases/{id}/transition', 'GET /api/v1/deliveries', 'GET /api/v1/sources',
    'GET /api/v1/audit/verify',
];

async function main() {
    const file = process.argv[2];
    let api;
    try {
        api = await SwaggerParser.validate(file);
    } catch (err) {
        console.error(`FAIL ${file} is not a valid OpenAPI document: ${err.message}`);
        process.exit(1);
    }
    let failures = 0;
    const check = (ok, what) => {
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
        if (!ok) failures++;
    };
    check(api.openapi === '3.1.0', `OpenAPI version 3.1.0 (${api.openapi})`);
    const operations = [];
    for (const [path, item] of Object.entries(api.paths)) {
        for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
            if (item[method]) operations.push(`${method.toUpperCase()} ${path}`);
        }
    }
    for (const op of expected) {
        check(operations.includes(op), `documents ${op}`);
    }
    for (const op of operations) {
        check(expected.includes(op), `${op} is an operation the server has`);
    }
    // Every operation: an operationId, a 2xx response with a JSON schema, problem details for
    // its errors.
    const ids = new Set();
    for (const [path, item] of Object.entries(api.paths)) {
        for (const [method, op] of Object.entries(item)) {
            if (typeof op !== 'object' || !op.responses) continue;
            const name = `${method.toUpperCase()} ${path}`;
            check(op.operationId && !ids.has(op.operationId), `${name} has a unique operationId`);
            ids.add(op.operationId);
            for (const [status, response] of Object.entries(op.responses)) {
                const types = Object.keys(response.content || {});
                if (status.startsWith('2')) {
                    check(types.length === 1 && types[0].endsWith('json'),
                          `${name} ${status} is JSON (${types})`);
                } else {
                    check(types.length === 1 && types[0] === 'application/problem+json',
                          `${name} ${status} is application/problem+json (${types})`);
                }
            }
        }
    }
    if (failures) {
        console.error(`\n${failures} failed`);
        process.exit(1);
    }
    console.log(`\n${operations.length} operations; all checks passed`);
}

main();
