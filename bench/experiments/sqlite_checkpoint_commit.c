// SQLite commit latency with the WAL checkpoint inside the commit (SQLite's default, as lienthongd
// does) or on a thread of its own connection (docs/benchmarks.md, "the change feed's tail").
//   gcc -O2 -o /tmp/ckpt bench/experiments/sqlite_checkpoint_commit.c -lsqlite3 -lpthread
//   /tmp/ckpt 0 /tmp/ckpt.db 20; /tmp/ckpt 1 /tmp/ckpt.db 20   (mode, database, seconds)
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
static double now_ms(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
static const char* path; static volatile int stop=0, pages=0, ckpts=0; static double ckpt_max=0;
static int hook(void* a, sqlite3* db, const char* name, int n){ pages=n; return SQLITE_OK; }
static void* checkpointer(void* a){ sqlite3* db; sqlite3_open(path,&db); sqlite3_exec(db,"PRAGMA synchronous=FULL",0,0,0);
  while(!stop){ if(pages>=1000){ double t=now_ms(); int log,ck; sqlite3_wal_checkpoint_v2(db,"main",SQLITE_CHECKPOINT_PASSIVE,&log,&ck); t=now_ms()-t; if(t>ckpt_max)ckpt_max=t; ckpts++; pages=0;} usleep(2000);} sqlite3_close(db); return 0; }
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){ int mode=atoi(argv[1]); path=argv[2]; int secs=atoi(argv[3]); unlink(path);
  char wal[512]; snprintf(wal,512,"%s-wal",path); unlink(wal);
  sqlite3* db; sqlite3_open(path,&db); sqlite3_exec(db,"PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)",0,0,0);
  pthread_t th; if(mode==1){ sqlite3_wal_hook(db,hook,0); pthread_create(&th,0,checkpointer,0);} 
  int n=secs*100; double* lat=malloc(sizeof(double)*n); char blob[1500]; memset(blob,'x',sizeof blob);
  sqlite3_stmt* ins; sqlite3_prepare_v2(db,"INSERT INTO t(k,v) VALUES(?1,?2)",-1,&ins,0);
  double next=now_ms(); long id=0;
  for(int i=0;i<n;i++){ double t=now_ms(); sqlite3_exec(db,"BEGIN IMMEDIATE",0,0,0);
    for(int j=0;j<20;j++){ char k[64]; snprintf(k,64,"key-%ld-%d",id++,rand()); sqlite3_bind_text(ins,1,k,-1,SQLITE_TRANSIENT); sqlite3_bind_blob(ins,2,blob,sizeof blob,SQLITE_STATIC); sqlite3_step(ins); sqlite3_reset(ins);} 
    sqlite3_exec(db,"COMMIT",0,0,0); lat[i]=now_ms()-t; next+=10; double w=next-now_ms(); if(w>0) usleep((useconds_t)(w*1000)); }
  stop=1; if(mode==1) pthread_join(th,0);
  qsort(lat,n,sizeof(double),cmp);
  printf("mode %s: %d commits: p50 %.2f p99 %.2f p999 %.2f max %.2f ms; background checkpoints %d (longest %.1f ms)\n", mode?"checkpoint thread":"autocheckpoint in commit", n, lat[n/2], lat[n*99/100], lat[n*999/1000], lat[n-1], ckpts, ckpt_max);
  return 0; }
