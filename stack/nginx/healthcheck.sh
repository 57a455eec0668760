#!/bin/bash
# A real HTTP request to nginx's own health endpoint, with bash alone (no curl in the image).
exec 3<>/dev/tcp/127.0.0.1/8081 || exit 1
printf 'GET /nginx-health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 2 _ status _ <&3
[ "$status" = 200 ]
