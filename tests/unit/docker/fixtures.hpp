#pragma once
// Responses as Docker Engine 20.10 (API 1.41) sends them, trimmed of fields
// rewind does not read, for the parse and replacement tests.

namespace rwd::docker::fixtures {

inline constexpr const char* kVersion = R"js({"Platform":{"Name":""},"Version":"20.10.24+dfsg1",
"ApiVersion":"1.41","MinAPIVersion":"1.12","GitCommit":"5d6db84","GoVersion":"go1.19.8",
"Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"})js";

inline constexpr const char* kContainerList =
    R"js([{"Id":"ee8d5d32aa8585421afdc72517f4718d082e71592f882de3853046baa6d5e774",
"Names":["/shop-api-1"],"Image":"shop-api:v1","ImageID":"sha256:b14f6a6d61adef9697eb6fbff94b7628276e3961d7150740a639d32cf3de28f0",
"Command":"/app","Created":1795250164,"Ports":[{"IP":"127.0.0.1","PrivatePort":8000,"PublicPort":32792,"Type":"tcp"}],
"Labels":{"com.docker.compose.project":"shop","com.docker.compose.service":"api"},"State":"running",
"Status":"Up 4 seconds (healthy)","HostConfig":{"NetworkMode":"shop_default"},
"NetworkSettings":{"Networks":{"shop_default":{"IPAMConfig":null,"Links":null,"Aliases":null,"IPAddress":"172.20.0.2"}}},
"Mounts":[]}])js";

// A compose-made container: two networks, a bind, an anonymous volume, a
// published port, a healthcheck, a restart policy, env from the image
// (IMGVAR, PATH) and from the service, rewind's managed-env label.
inline constexpr const char* kInspect = R"js({
"Id":"ee8d5d32aa8585421afdc72517f4718d082e71592f882de3853046baa6d5e774",
"Created":"2026-11-21T08:36:04.747049727Z","Path":"/app","Args":[],
"State":{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,
 "Dead":false,"Pid":14482,"ExitCode":0,"Error":"","StartedAt":"2026-11-21T08:36:05.27754751Z",
 "FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"healthy","FailingStreak":0,"Log":[]}},
"Image":"sha256:b14f6a6d61adef9697eb6fbff94b7628276e3961d7150740a639d32cf3de28f0",
"Name":"/shop-api-1","RestartCount":0,
"HostConfig":{"Binds":["/srv/shop/config:/config:ro"],"ContainerIDFile":"",
 "LogConfig":{"Type":"json-file","Config":{}},"NetworkMode":"shop_default",
 "PortBindings":{"8000/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]},
 "RestartPolicy":{"Name":"unless-stopped","MaximumRetryCount":0},"AutoRemove":false,
 "VolumeDriver":"","VolumesFrom":null,"CapAdd":null,"CapDrop":null,"CgroupnsMode":"private",
 "Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"private",
 "Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,
 "ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":67108864,
 "Runtime":"runc","Memory":0,"NanoCpus":0,"Devices":[],"PidsLimit":null,"Ulimits":[],
 "MaskedPaths":["/proc/asound"],"ReadonlyPaths":["/proc/bus"]},
"Mounts":[
 {"Type":"bind","Source":"/srv/shop/config","Destination":"/config","Mode":"ro","RW":false,"Propagation":"rprivate"},
 {"Type":"volume","Name":"4e9c23af61cc13762a4961b2ab66375022cb8e2385f99d1725dfd8c2a3c91610",
  "Source":"/var/lib/docker/volumes/4e9c/_data","Destination":"/data","Driver":"local","Mode":"","RW":true,"Propagation":""}],
"Config":{"Hostname":"ee8d5d32aa85","Domainname":"","User":"1000","AttachStdin":false,
 "AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"8000/tcp":{},"9000/tcp":{}},
 "Tty":false,"OpenStdin":false,"StdinOnce":false,
 "Env":["LOG_LEVEL=info","OLD_FLAG=1","DB=postgres://db/shop","IMGVAR=fromimage","PATH=/usr/bin:/bin"],
 "Cmd":["/app","--serve"],
 "Healthcheck":{"Test":["CMD","/app","health"],"Interval":1000000000},
 "Image":"shop-api:v1","Volumes":{"/data":{}},"WorkingDir":"/srv","Entrypoint":null,"OnBuild":null,
 "Labels":{"com.docker.compose.project":"shop","com.docker.compose.service":"api",
  "com.docker.compose.container-number":"1","rewind.dev/managed-env":"LOG_LEVEL,OLD_FLAG",
  "org.opencontainers.image.version":"1"}},
"NetworkSettings":{"Bridge":"","Ports":{"8000/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},
 {"HostIp":"::","HostPort":"8080"}],"9000/tcp":null},
 "Networks":{
  "shop_backend":{"IPAMConfig":{"IPv4Address":"172.30.0.10"},"Links":null,
   "Aliases":["api","ee8d5d32aa85"],"NetworkID":"aaa","EndpointID":"bbb","Gateway":"172.30.0.1",
   "IPAddress":"172.30.0.10","IPPrefixLen":16,"GlobalIPv6Address":"","MacAddress":"02:42:ac:1e:00:0a","DriverOpts":null},
  "shop_default":{"IPAMConfig":null,"Links":null,"Aliases":["shop-api-1","api","ee8d5d32aa85"],
   "NetworkID":"ccc","EndpointID":"ddd","Gateway":"172.20.0.1","IPAddress":"172.20.0.2",
   "IPPrefixLen":16,"GlobalIPv6Address":"","MacAddress":"02:42:ac:14:00:02","DriverOpts":null}}}})js";

// The old image: its Cmd is ["/app"], so the container's ["/app","--serve"] is its own.
inline constexpr const char* kImage =
    R"js({"Id":"sha256:b14f6a6d61adef9697eb6fbff94b7628276e3961d7150740a639d32cf3de28f0",
"RepoTags":["shop-api:v1"],"RepoDigests":[],"Parent":"","Comment":"Imported from -",
"Config":{"Hostname":"","User":"","Env":["IMGVAR=fromimage","PATH=/usr/bin:/bin"],
 "Cmd":["/app"],"Image":"","Volumes":{"/data":{}},"WorkingDir":"","Entrypoint":null,"OnBuild":null,
 "ExposedPorts":{"9000/tcp":{}},"Labels":{"org.opencontainers.image.version":"1"}},
"Architecture":"amd64","Os":"linux","Size":762560})js";

inline constexpr const char* kEventStart =
    R"js({"status":"start","id":"ee8d5d32aa85","from":"shop-api:v1","Type":"container","Action":"start","Actor":{"ID":"ee8d5d32aa85","Attributes":{"com.docker.compose.project":"shop","image":"shop-api:v1","name":"shop-api-1"}},"scope":"local","time":1795250175,"timeNano":1795250175755966976})js";

inline constexpr const char* kEventDie =
    R"js({"status":"die","id":"ee8d5d32aa85","from":"shop-api:v1","Type":"container","Action":"die","Actor":{"ID":"ee8d5d32aa85","Attributes":{"exitCode":"0","image":"shop-api:v1","name":"shop-api-1"}},"scope":"local","time":1795250176,"timeNano":1795250176165257267})js";

}  // namespace rwd::docker::fixtures
