#!/usr/bin/env node
console.log("meshprobe");
